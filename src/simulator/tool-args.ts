// Builds tool-call arguments from a tool's JSON schema and splits their JSON text into the
// fragments a vLLM tool parser streams (key, value, key, value, closing brace).

import type { Rng } from './prng.js';
import { generateWord } from './text-gen.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function valueFor(schema: unknown, rng: Rng, hanRatio: number, depth: number): unknown {
  if (!isRecord(schema)) return generateWord(rng, hanRatio);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return rng.pick(schema.enum);
  const type: unknown = Array.isArray(schema.type) ? (schema.type as unknown[])[0] : schema.type;
  switch (type) {
    case 'integer':
      return rng.int(100);
    case 'number':
      return rng.int(10_000) / 100;
    case 'boolean':
      return rng.next() < 0.5;
    case 'array':
      return depth > 2 ? [] : [valueFor(schema.items, rng, hanRatio, depth + 1)];
    case 'object':
      return depth > 2 ? {} : objectFor(schema, rng, hanRatio, depth + 1);
    case 'null':
      return null;
    default:
      return generateWord(rng, hanRatio);
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
