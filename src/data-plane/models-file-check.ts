/**
 * The models file held against what the backends list, once every replica has listed its
 * models: an entry that names no listed model applies to nothing (names are case-sensitive, so
 * `kimi-k2.6` is not `Kimi-K2.6`), and a `contextTokens` above the `max_model_len` a replica
 * lists lets through prompts the engine then refuses. Both are told (a warning), not refused: the
 * file may be ahead of the fleet (a model not deployed yet). Each is told once per process.
 */
import type { ModelSettings } from './models-file.js';
import type { ReplicaState } from './upstream/fleet-state.js';

/** A mismatch: `key` stays the same while the problem does (the listing of other models may change). */
export interface ModelsFileProblem {
  readonly key: string;
  readonly message: string;
}

/** What the models file says that the listings contradict; empty while some replica has not listed yet. */
export function modelsFileProblems(file: ReadonlyMap<string, ModelSettings>, states: readonly ReplicaState[]): ModelsFileProblem[] {
  if (file.size === 0 || states.length === 0 || states.some((s) => s.models === undefined)) return [];
  const listed = new Map<string, { len: number; origin: string } | undefined>();
  for (const s of states) {
    for (const c of s.models ?? []) {
      const least = listed.get(c.id);
      if (c.maxModelLen !== undefined && (least === undefined || c.maxModelLen < least.len)) listed.set(c.id, { len: c.maxModelLen, origin: s.replica.origin });
      else if (!listed.has(c.id)) listed.set(c.id, undefined);
    }
  }
  const out: ModelsFileProblem[] = [];
  for (const [name, settings] of file) {
    if (!listed.has(name)) {
      const like = [...listed.keys()].find((id) => id.toLowerCase() === name.toLowerCase());
      const hint = like !== undefined ? `; names are case-sensitive: did you mean \`${like}\`?` : '';
      const message = `\`${name}\` is not a model the backends list (they list ${[...listed.keys()].map((id) => `\`${id}\``).join(', ') || 'none'}), so its settings apply to nothing${hint}`;
      out.push({ key: `unlisted ${name}`, message });
      continue;
    }
    const engine = listed.get(name);
    if (settings.contextTokens !== undefined && engine !== undefined && settings.contextTokens > engine.len) {
      const message = `\`${name}\`.contextTokens ${settings.contextTokens} is more than the ${engine.len} that ${engine.origin} lists as max_model_len: prompts and output tokens the gateway lets through past ${engine.len} are refused by that engine`;
      out.push({ key: `context ${name} ${engine.len}`, message });
    }
  }
  return out;
}

/**
 * Replicas of one model that list different max_model_len: the gateway caps requests to the
 * smallest (any replica may serve them), so the larger windows go unused. Told, since it is
 * usually one engine started with another --max-model-len.
 */
export function mixedWindows(states: readonly ReplicaState[]): ModelsFileProblem[] {
  const windows = new Map<string, Map<number, string[]>>();
  for (const s of states) {
    for (const c of s.models ?? []) {
      if (c.maxModelLen === undefined) continue;
      const byLen = windows.get(c.id) ?? new Map<number, string[]>();
      windows.set(c.id, byLen);
      byLen.set(c.maxModelLen, [...(byLen.get(c.maxModelLen) ?? []), s.replica.origin]);
    }
  }
  const out: ModelsFileProblem[] = [];
  for (const [model, byLen] of windows) {
    if (byLen.size < 2) continue;
    const lens = [...byLen.keys()].sort((a, b) => a - b);
    const where = lens.map((len) => `${len} at ${byLen.get(len)!.join(', ')}`).join('; ');
    out.push({
      key: `windows ${model} ${lens.join(' ')}`,
      message: `replicas of \`${model}\` list different max_model_len (${where}): requests are capped to ${lens[0]}, the smallest, since any of them may serve a request`,
    });
  }
  return out;
}

/**
 * Returns a check to run after each probe round: the models file against the listings, and the
 * listings against each other. It tells of each problem once (again only if it went away and came back changed).
 */
export function watchModelsFile(file: ReadonlyMap<string, ModelSettings>, states: () => readonly ReplicaState[], notice: (message: string) => void): () => void {
  const said = new Set<string>();
  return () => {
    const now = states();
    const problems = [...modelsFileProblems(file, now).map((p) => ({ ...p, message: `models file (PROXY_MODELS_FILE): ${p.message}` })), ...mixedWindows(now)];
    for (const p of problems) {
      if (said.has(p.key)) continue;
      said.add(p.key);
      notice(p.message);
    }
  };
}
