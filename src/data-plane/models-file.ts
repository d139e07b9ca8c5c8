/**
 * PROXY_MODELS_FILE: per-model settings, a JSON object keyed by the served model name
 * (docs/fleet.md). Every field is optional; a model without an entry, and a field left out,
 * falls back to detection (`max_model_len` of the backend's listing) and then to the global
 * environment (PROXY_MODEL_PROFILE, MAX_CONTEXT_TOKENS, MAX_OUTPUT_TOKENS, PROXY_AFFINITY_HOLD,
 * PROXY_REPLICA_SLOTS).
 *
 *   { "GLM-5.1": { "profile": "glm-5", "contextTokens": 202752, "maxOutputTokens": 32768 } }
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, MODEL_PROFILE_NAMES, type ModelProfileName } from '../core/config.js';
import { eachMember, withoutBom } from '../core/json-bytes.js';

export interface ModelSettings {
  readonly profile?: ModelProfileName;
  readonly contextTokens?: number;
  readonly maxOutputTokens?: number;
  /** PROXY_AFFINITY_HOLD for this model's replicas. */
  readonly affinityHold?: number;
  /** PROXY_REPLICA_SLOTS for this model's replicas (0: no gateway queue for it). */
  readonly replicaSlots?: number;
}

/** An integer field, with the environment variables' wording for a bad value. */
function integer(min: number, max: number): z.ZodOptional<z.ZodNumber> {
  const error = max === Number.MAX_SAFE_INTEGER ? `must be an integer of at least ${min}` : `must be an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error }).optional();
}

const entry = z
  .object({
    profile: z.enum(MODEL_PROFILE_NAMES as [ModelProfileName, ...ModelProfileName[]], { error: `must be one of ${MODEL_PROFILE_NAMES.join(', ')}` }).optional(),
    contextTokens: integer(1, Number.MAX_SAFE_INTEGER),
    maxOutputTokens: integer(1, Number.MAX_SAFE_INTEGER),
    affinityHold: integer(1, 1_000_000),
    replicaSlots: integer(0, 1_000_000),
  })
  .strict();

const SHAPE = 'an object of model name → { profile, contextTokens, maxOutputTokens, affinityHold, replicaSlots }';

/**
 * A name that occurs twice in the file's object or in one model's entry: JSON.parse keeps the
 * last silently, so an entry copied and not renamed would lose the first model's settings.
 */
function duplicateName(b: Buffer): string | undefined {
  const models = new Set<string>();
  let dup: string | undefined;
  eachMember(b, (model, _start, valueStart, end) => {
    if (models.has(model)) dup = JSON.stringify(model);
    models.add(model);
    const fields = new Set<string>();
    eachMember(b.subarray(valueStart, end), (field) => {
      if (fields.has(field)) dup ??= `${JSON.stringify(model)}.${field}`;
      fields.add(field);
      return dup === undefined;
    });
    return dup === undefined;
  });
  return dup;
}

/** Parses the file's text; throws ConfigError naming the variable and the first problem. */
export function parseModelsFile(text: string, path: string): ReadonlyMap<string, ModelSettings> {
  const bytes = withoutBom(Buffer.from(text));
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString());
  } catch (e) {
    throw new ConfigError('PROXY_MODELS_FILE', `a JSON file (${(e as Error).message})`, path);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError('PROXY_MODELS_FILE', `${SHAPE} (not an object)`, path);
  const dup = duplicateName(bytes);
  if (dup !== undefined) throw new ConfigError('PROXY_MODELS_FILE', `${SHAPE} (${dup} is given twice)`, path);
  // Entry by entry, not as a record: a model may be named anything, "__proto__" included.
  const settings = new Map<string, ModelSettings>();
  for (const [model, value] of Object.entries(json)) {
    if (model === '') throw new ConfigError('PROXY_MODELS_FILE', `${SHAPE} (a model name is empty)`, path);
    const r = entry.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0];
      const where = issue === undefined ? model : [model, ...issue.path].join('.');
      throw new ConfigError('PROXY_MODELS_FILE', `${SHAPE} (${where}: ${issue?.message ?? 'invalid'})`, path);
    }
    settings.set(model, r.data);
  }
  return settings;
}

/** Reads and parses the file; an unreadable file is a ConfigError. */
export function loadModelsFile(path: string | undefined): ReadonlyMap<string, ModelSettings> {
  if (path === undefined) return new Map();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('PROXY_MODELS_FILE', `a readable file (${(e as NodeJS.ErrnoException).code ?? 'error'})`, path);
  }
  return parseModelsFile(text, path);
}
