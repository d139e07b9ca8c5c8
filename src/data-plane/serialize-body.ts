/**
 * Serialises a shaped request body. Shapers copy on write and usually change a few small
 * top-level fields (max_tokens, stream_options, model), so for a large body the members they
 * left alone are copied from the client's bytes instead of being stringified again: for a
 * 10 MiB conversation that replaces a ~26 ms JSON.stringify with a ~8 ms scan (docs/benchmark.md, case 4).
 */
import { topLevelMembers } from '../core/json-bytes.js';
import type { JsonObject } from '../core/json.js';

/** Below this size JSON.stringify is as fast as scanning, and simpler. */
export const SPLICE_MIN_BYTES = 64 * 1024;

const OPEN_BYTES = Buffer.from('{');
const CLOSE_BYTES = Buffer.from('}');
const COMMA_BYTES = Buffer.from(',');

/**
 * The bytes to send for `shaped`, which shapers derived from `original` (parsed from `raw`):
 * one buffer below SPLICE_MIN_BYTES, above it parts to be sent in order. Either way the same JSON as `JSON.stringify(shaped)`, with every top-level
 * member the shapers did not replace sent as a view of `raw` (not copied: a 10 MiB
 * conversation goes upstream without a second 10 MiB buffer). Relies on shapers never
 * mutating the client's objects in place (pipeline.ts: they return copies).
 */
export function serializeShapedBody(raw: Buffer, original: JsonObject, shaped: JsonObject): Buffer | readonly Buffer[] {
  if (raw.length < SPLICE_MIN_BYTES) return Buffer.from(JSON.stringify(shaped));
  const members = topLevelMembers(raw);
  if (members === undefined) return Buffer.from(JSON.stringify(shaped));
  const parts: Buffer[] = [OPEN_BYTES];
  for (const key of Object.keys(shaped)) {
    const value = shaped[key];
    if (value === undefined) continue;
    const range = members.get(key);
    const same = range !== undefined && Object.prototype.hasOwnProperty.call(original, key) && original[key] === value;
    if (parts.length > 1) parts.push(COMMA_BYTES);
    parts.push(same ? raw.subarray(range[0], range[1]) : Buffer.from(`${JSON.stringify(key)}:${JSON.stringify(value)}`));
  }
  parts.push(CLOSE_BYTES);
  return parts;
}
