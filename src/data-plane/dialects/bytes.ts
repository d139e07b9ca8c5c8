/**
 * Byte-level checks on raw SSE frames, so a dialect can tell whether a frame is worth
 * decoding without turning it into a string first.
 */

/** Position of `needle` in `hay` at or after `from`, or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  // Node's Buffer search is native (memmem); frames from sockets are Buffers already, and a
  // plain Uint8Array is viewed as one without copying.
  const buf = Buffer.isBuffer(hay) ? hay : Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength);
  return buf.indexOf(needle, from);
}

/** UTF-8 bytes of an ASCII constant, made once at start-up. */
export function ascii(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

const QUOTE = 0x22;
const OPEN_BRACKET = 0x5b;

function isJsonSpace(b: number | undefined): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

/**
 * Whether a member `key` (its name in quotes and the colon: `"content":`) in `raw` holds a
 * non-empty string (`'text'`) or an array (`'array'`). Inside JSON strings quotes are escaped,
 * so the key only matches a real member.
 */
export function memberHolds(raw: Uint8Array, key: Uint8Array, kind: 'text' | 'array'): boolean {
  let at = indexOfBytes(raw, key);
  while (at !== -1) {
    let v = at + key.length;
    while (isJsonSpace(raw[v])) v++;
    if (kind === 'array' ? raw[v] === OPEN_BRACKET : raw[v] === QUOTE && raw[v + 1] !== QUOTE) return true;
    at = indexOfBytes(raw, key, v);
  }
  return false;
}
