// Builds tool-call arguments from a tool's JSON schema and splits their JSON text into the
// fragments a vLLM tool parser streams (key, value, key, value, closing brace). Values follow
// the schema's types and bounds, so a client that parses them strictly accepts them.

import type { Rng } from './prng.js';
import { generateWord } from './text-gen.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function firstType(schema: Record<string, unknown>): unknown {
  if (!Array.isArray(schema.type)) return schema.type;
  const types = schema.type as unknown[];
  return types.find((t) => t !== 'null') ?? types[0];
}

/** The first alternative of anyOf/oneOf that is not `{type:"null"}`, merged over allOf parts. */
function resolve(schema: Record<string, unknown>): Record<string, unknown> {
  let out = schema;
  if (Array.isArray(schema.allOf)) out = Object.assign({}, ...schema.allOf.filter(isRecord), out) as Record<string, unknown>;
  const alts = Array.isArray(out.anyOf) ? out.anyOf : Array.isArray(out.oneOf) ? out.oneOf : undefined;
  if (alts === undefined) return out;
  const pick = alts.filter(isRecord).find((a) => a.type !== 'null') ?? alts.find(isRecord);
  return isRecord(pick) ? resolve(pick) : out;
}

function bound(schema: Record<string, unknown>, key: string): number | undefined {
  const v = schema[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * A whole number inside the schema's bounds. `number` gets whole values too: they are valid
 * JSON-schema numbers, and clients often declare `number` for what they parse as an integer.
 */
function wholeNumber(schema: Record<string, unknown>, rng: Rng): number {
  const exMin = bound(schema, 'exclusiveMinimum');
  const exMax = bound(schema, 'exclusiveMaximum');
  const lo = bound(schema, 'minimum') ?? (exMin === undefined ? undefined : Math.floor(exMin) + 1);
  const hi = bound(schema, 'maximum') ?? (exMax === undefined ? undefined : Math.ceil(exMax) - 1);
  const min = Math.ceil(lo ?? (hi === undefined ? 0 : Math.min(0, Math.floor(hi) - 99)));
  const max = Math.floor(hi ?? min + 99);
  return max < min ? min : min + rng.int(max - min + 1);
}

function arrayFor(schema: Record<string, unknown>, rng: Rng, hanRatio: number, depth: number): unknown[] {
  const minItems = Math.min(bound(schema, 'minItems') ?? 0, 8);
  const n = depth > 2 ? minItems : Math.max(minItems, 1);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(valueFor(schema.items, rng, hanRatio, depth + 1));
  return out;
}

function valueFor(raw: unknown, rng: Rng, hanRatio: number, depth: number): unknown {
  if (!isRecord(raw)) return generateWord(rng, hanRatio);
  const schema = resolve(raw);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return rng.pick(schema.enum);
  switch (firstType(schema)) {
    case 'integer':
    case 'number':
      return wholeNumber(schema, rng);
    case 'boolean':
      return rng.next() < 0.5;
    case 'array':
      return arrayFor(schema, rng, hanRatio, depth);
    case 'object':
      return depth > 2 ? {} : objectFor(schema, rng, hanRatio, depth + 1);
    case 'null':
      return null;
    default:
      return isRecord(schema.properties) ? objectFor(schema, rng, hanRatio, depth + 1) : generateWord(rng, hanRatio);
  }
}

function objectFor(schema: Record<string, unknown>, rng: Rng, hanRatio: number, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isRecord(schema.properties)) return out;
  for (const [key, prop] of Object.entries(schema.properties)) out[key] = valueFor(prop, rng, hanRatio, depth);
  return out;
}

/** Arguments for a tool whose parameters schema is `schema` (an object; `{}` if no properties). */
export function generateArguments(schema: unknown, rng: Rng, hanRatio: number): Record<string, unknown> {
  return isRecord(schema) ? objectFor(schema, rng, hanRatio, 0) : {};
}

/**
 * The JSON text of `args` the way vLLM's tool parsers print it (Python `json.dumps` with
 * `ensure_ascii=False`: `", "` and `": "` separators, raw UTF-8), split into fragments.
 * The fragments joined are the full text; nested values stay in one fragment.
 */
export function argumentFragments(args: Record<string, unknown>): string[] {
  const entries = Object.entries(args);
  if (entries.length === 0) return ['{}'];
  const fragments: string[] = [];
  entries.forEach(([key, value], i) => {
    fragments.push(`${i === 0 ? '{' : ', '}${JSON.stringify(key)}: `);
    fragments.push(pythonJson(value));
  });
  fragments.push('}');
  return fragments;
}

/** Python-style JSON (`json.dumps` default separators). */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (isRecord(value)) {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
