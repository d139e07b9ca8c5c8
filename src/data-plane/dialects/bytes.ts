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
