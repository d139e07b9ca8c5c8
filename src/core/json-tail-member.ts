/**
 * Reads one member of a JSON object body without parsing the body: the last occurrence of
 * `"name":` is taken, its object value is parsed alone, and the rest of the body after it is
 * checked to be the remainder of the top-level object. The gateway reads only `usage` from a
 * non-stream answer, and parsing the whole answer (every choice's text) for it was the largest
 * avoidable cost of a small request.
 *
 * Why the result is exactly what `JSON.parse(body)[name]` gives when it is not UNKNOWN:
 * - inside a JSON string every `"` is escaped, so `"name"` preceded by `{` or `,` (spaces
 *   allowed) is a key, never string content;
 * - the text after the value parses as the end of an object only if the object holding the key
 *   is closed by the body's last `}`, i.e. is the top-level object;
 * - it is the last occurrence, and for duplicate keys JSON.parse keeps the last.
 * Anything else (value not an object, a nested match, odd spacing) answers UNKNOWN and the
 * caller parses the whole body. The part of the body before the key is not validated.
 */
import type { JsonObject } from './json.js';

export const UNKNOWN: unique symbol = Symbol('unknown');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(b: number | undefined): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** Index just past the object value starting at `start` (a `{`), or -1 if it does not close. */
function objectEnd(buf: Buffer, start: number): number {
  let depth = 0;
  for (let i = start; i < buf.length; i++) {
    const b = buf[i];
    if (b === QUOTE) {
      // Skip the string, honouring escapes.
      for (i++; i < buf.length; i++) {
        const c = buf[i];
        if (c === BACKSLASH) i++;
        else if (c === QUOTE) break;
      }
    } else if (b === OPEN) depth++;
    else if (b === CLOSE && --depth === 0) return i + 1;
  }
  return -1;
}

/** The top-level member `name` of the JSON object in `buf` when its value is an object; undefined when there is no such key; UNKNOWN when this cannot tell. */
export function topLevelObjectMember(buf: Buffer, name: string): JsonObject | undefined | typeof UNKNOWN {
  const needle = `"${name}"`;
  const at = buf.lastIndexOf(needle, undefined, 'latin1');
  if (at === -1) return buf.indexOf('\\u', 0, 'latin1') === -1 ? undefined : UNKNOWN; // a key may be spelled with escapes
  let p = at - 1;
  while (isSpace(buf[p])) p--;
  if (buf[p] !== OPEN && buf[p] !== COMMA) return UNKNOWN;
  let v = at + needle.length;
  while (isSpace(buf[v])) v++;
  if (buf[v] !== COLON) return UNKNOWN;
  v++;
  while (isSpace(buf[v])) v++;
  if (buf[v] !== OPEN) return UNKNOWN;
  const end = objectEnd(buf, v);
  if (end === -1) return UNKNOWN;
  let t = end;
  while (isSpace(buf[t])) t++;
  try {
    if (buf[t] === CLOSE) {
      for (t++; t < buf.length; t++) if (!isSpace(buf[t])) return UNKNOWN;
    } else if (buf[t] === COMMA) {
      // The rest must be the remainder of one object: `{` + `"k": v, … }`.
      JSON.parse(`{${buf.toString('utf8', t + 1)}`);
    } else {
      return UNKNOWN;
    }
    return JSON.parse(buf.toString('utf8', v, end)) as JsonObject;
  } catch {
    return UNKNOWN;
  }
}
