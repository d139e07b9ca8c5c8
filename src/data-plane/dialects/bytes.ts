/**
 * Byte-level checks on raw SSE frames, so a dialect can tell whether a frame is worth
 * decoding without turning it into a string first.
 */
import { isJsonSpace, OPEN_BRACE, OPEN_BRACKET, QUOTE } from '../../core/json-bytes.js';

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

/** The first byte at or after `at` that is not JSON whitespace. */
function skipSpace(raw: Uint8Array, at: number): number {
  while (isJsonSpace(raw[at])) at++;
  return at;
}

/** What a member holds, as `memberHolds` and `leadingMember` test it. */
export type MemberValue = 'text' | 'array';

function holds(raw: Uint8Array, value: number, kind: MemberValue): boolean {
  return kind === 'array' ? raw[value] === OPEN_BRACKET : raw[value] === QUOTE && raw[value + 1] !== QUOTE;
}

function keyAt(raw: Uint8Array, at: number, key: Uint8Array): boolean {
  if (at + key.length > raw.length) return false;
  for (let i = 0; i < key.length; i++) if (raw[at + i] !== key[i]) return false;
  return true;
}

/**
 * Whether a member `key` (its name in quotes and the colon: `"content":`) in `raw`, at or after
 * `from`, holds a non-empty string (`'text'`) or an array (`'array'`). Inside JSON strings quotes
 * are escaped, so the key only matches a real member.
 */
export function memberHolds(raw: Uint8Array, key: Uint8Array, kind: MemberValue, from = 0): boolean {
  let at = indexOfBytes(raw, key, from);
  while (at !== -1) {
    const v = skipSpace(raw, at + key.length);
    if (holds(raw, v, kind)) return true;
    at = indexOfBytes(raw, key, v);
  }
  return false;
}

/**
 * Which of `members` is the first member of the object at `at`, holding what it names: its
 * index, read in place with no search (-1: none seen there).
 */
export function leadingMember(raw: Uint8Array, at: number, members: ReadonlyArray<readonly [Uint8Array, MemberValue, ...unknown[]]>): number {
  at = skipSpace(raw, at);
  if (raw[at] !== OPEN_BRACE) return -1;
  at = skipSpace(raw, at + 1);
  for (let i = 0; i < members.length; i++) {
    const [key, kind] = members[i]!;
    if (keyAt(raw, at, key)) return holds(raw, skipSpace(raw, at + key.length), kind) ? i : -1;
  }
  return -1;
}
