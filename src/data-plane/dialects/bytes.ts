/**
 * Byte-level checks on raw SSE frames, so a dialect can tell whether a frame is worth
 * decoding without turning it into a string first.
 */

const hasBuffer = typeof Buffer === 'function';

/** Position of `needle` in `hay` at or after `from`, or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  // Node's Buffer search is native (memmem); frames from sockets are Buffers.
  if (hasBuffer && Buffer.isBuffer(hay)) return hay.indexOf(needle, from);
  const first = needle[0];
  if (first === undefined) return from;
  const last = hay.length - needle.length;
  let i = hay.indexOf(first, from);
  while (i !== -1 && i <= last) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
    i = hay.indexOf(first, i + 1);
  }
  return -1;
}

/** True when `hay` starts with `prefix`. */
export function startsWithBytes(hay: Uint8Array, prefix: Uint8Array): boolean {
  if (hay.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (hay[i] !== prefix[i]) return false;
  return true;
}

/** UTF-8 bytes of an ASCII constant, made once at start-up. */
export function ascii(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
