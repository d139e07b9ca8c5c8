/**
 * Serialises a shaped request body. Shapers copy on write and usually change a few small
 * top-level fields (max_tokens, stream_options, model), so for a large body the members they
 * left alone are copied from the client's bytes instead of being stringified again: for a
 * 10 MiB conversation that replaces a ~26 ms JSON.stringify with a ~8 ms scan (docs/benchmark.md, case 4).
 */
import type { JsonObject } from '../core/json.js';

/** Below this size JSON.stringify is as fast as scanning, and simpler. */
export const SPLICE_MIN_BYTES = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = Buffer.from('{');
const CLOSE = Buffer.from('}');
const COMMA = Buffer.from(',');

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Index just past the string whose opening quote is at `i`; -1 if unterminated. */
function skipString(b: Buffer, i: number): number {
  let from = i + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, from);
    if (q < 0) return -1;
    // A quote preceded by an odd number of backslashes is escaped.
    let k = q - 1;
    while (b[k] === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** Index just past the value starting at `i` (after whitespace); -1 if malformed. */
function skipValue(b: Buffer, i: number): number {
  const c = b[i];
  if (c === QUOTE) return skipString(b, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < b.length; ) {
      const d = b[j];
      if (d === QUOTE) {
        j = skipString(b, j);
        if (j < 0) return -1;
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return -1;
  }
  let j = i;
  while (j < b.length && b[j] !== 0x2c && b[j] !== 0x7d && !isSpace(b[j])) j++;
  return j > i ? j : -1;
}

/**
 * The top-level members of the JSON object text `b`: decoded key → byte range of `"key":value`.
 * Undefined when `b` is not a single object or a key occurs twice (JSON.parse keeps the last
 * one; copying bytes would then be ambiguous).
 */
export function topLevelMembers(b: Buffer): Map<string, readonly [number, number]> | undefined {
  const members = new Map<string, readonly [number, number]>();
  let i = 0;
  while (isSpace(b[i])) i++;
  if (b[i] !== 0x7b) return undefined;
  i++;
  while (isSpace(b[i])) i++;
  if (b[i] === 0x7d) return members;
  for (;;) {
    if (b[i] !== QUOTE) return undefined;
    const keyStart = i;
    const keyEnd = skipString(b, i);
    if (keyEnd < 0) return undefined;
    const keyText = b.toString('utf8', keyStart, keyEnd);
    const key = keyText.includes('\\') ? (JSON.parse(keyText) as string) : keyText.slice(1, -1);
    i = keyEnd;
    while (isSpace(b[i])) i++;
    if (b[i] !== 0x3a) return undefined;
    i++;
    while (isSpace(b[i])) i++;
    const valueEnd = skipValue(b, i);
    if (valueEnd < 0 || members.has(key)) return undefined;
    members.set(key, [keyStart, valueEnd]);
    i = valueEnd;
    while (isSpace(b[i])) i++;
    if (b[i] === 0x2c) {
      i++;
      while (isSpace(b[i])) i++;
      continue;
    }
    return b[i] === 0x7d ? members : undefined;
  }
}

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
  const parts: Buffer[] = [OPEN];
  for (const key of Object.keys(shaped)) {
    const value = shaped[key];
    if (value === undefined) continue;
    const range = members.get(key);
    const same = range !== undefined && Object.prototype.hasOwnProperty.call(original, key) && original[key] === value;
    if (parts.length > 1) parts.push(COMMA);
    parts.push(same ? raw.subarray(range[0], range[1]) : Buffer.from(`${JSON.stringify(key)}:${JSON.stringify(value)}`));
  }
  parts.push(CLOSE);
  return parts;
}
