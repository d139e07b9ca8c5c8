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
import { CLOSE_BRACE, COLON, COMMA, isJsonSpace, OPEN_BRACE, skipValue } from './json-bytes.js';
import type { JsonObject } from './json.js';

export const UNKNOWN: unique symbol = Symbol('unknown');

/** The top-level member `name` of the JSON object in `buf` when its value is an object; undefined when there is no such key; UNKNOWN when this cannot tell. */
export function topLevelObjectMember(buf: Buffer, name: string): JsonObject | undefined | typeof UNKNOWN {
  const needle = `"${name}"`;
  const at = buf.lastIndexOf(needle, undefined, 'latin1');
  if (at === -1) return buf.indexOf('\\u', 0, 'latin1') === -1 ? undefined : UNKNOWN; // a key may be spelled with escapes
  let p = at - 1;
  while (isJsonSpace(buf[p])) p--;
  if (buf[p] !== OPEN_BRACE && buf[p] !== COMMA) return UNKNOWN;
  let v = at + needle.length;
  while (isJsonSpace(buf[v])) v++;
  if (buf[v] !== COLON) return UNKNOWN;
  v++;
  while (isJsonSpace(buf[v])) v++;
  if (buf[v] !== OPEN_BRACE) return UNKNOWN;
  const end = skipValue(buf, v);
  if (end === -1) return UNKNOWN;
  let t = end;
  while (isJsonSpace(buf[t])) t++;
  try {
    if (buf[t] === CLOSE_BRACE) {
      for (t++; t < buf.length; t++) if (!isJsonSpace(buf[t])) return UNKNOWN;
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
