/**
 * The first string value of a key in a JSON body, read from its bytes without parsing: how
 * traces learn the answering model of a non-stream response the gateway does not parse.
 * Inside a JSON string every `"` is escaped, so `"name"` followed by `:` is a key. The first
 * occurrence is taken: backends write the top-level `model` before any content (a nested key of
 * the same name later in the body is never reached).
 */
import { BACKSLASH, COLON, isJsonSpace, QUOTE } from './json-bytes.js';
/** Longer values are not a model name; the scan stops there. */
const MAX_VALUE_BYTES = 512;

/** The first `"name": "<value>"` in `buf`; undefined when absent, not a plain string, or escaped. */
export function leadingStringMember(buf: Buffer, name: string): string | undefined {
  const needle = `"${name}"`;
  let at = buf.indexOf(needle, 0, 'latin1');
  while (at !== -1) {
    let p = at + needle.length;
    while (isJsonSpace(buf[p])) p++;
    if (buf[p] === COLON) {
      p++;
      while (isJsonSpace(buf[p])) p++;
      if (buf[p] !== QUOTE) return undefined;
      const start = p + 1;
      const end = Math.min(buf.length, start + MAX_VALUE_BYTES);
      for (let i = start; i < end; i++) {
        const b = buf[i];
        if (b === QUOTE) return buf.toString('utf8', start, i);
        if (b === BACKSLASH) return undefined;
      }
      return undefined;
    }
    at = buf.indexOf(needle, at + needle.length, 'latin1');
  }
  return undefined;
}
