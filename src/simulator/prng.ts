// Seeded pseudo-random numbers and string hashing: everything the simulator generates
// (text, tool arguments, embeddings, seeded ids) comes from these, so a seed fixes the bytes.

/** A deterministic random source. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T;
  /** `n` lowercase hex digits. */
  hex(n: number): string;
}

/** mulberry32: tiny, fast, good enough for test data (not for security). */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick<T>(list: readonly T[]): T {
      return list[int(list.length)] as T;
    },
    hex(n: number): string {
      let out = '';
      while (out.length < n) out += ((next() * 4294967296) >>> 0).toString(16).padStart(8, '0');
      return out.slice(0, n);
    },
  };
}

/** FNV-1a over the UTF-16 code units of `text`, mixed with `salt`; a 32-bit unsigned integer. */
export function hashString(text: string, salt = 0): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** FNV-1a over bytes, mixed with `salt`. */
export function hashBytes(bytes: Uint8Array, salt = 0): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Derives an independent stream seed from a base seed (so streams don't shift each other). */
export function deriveSeed(seed: number, stream: number): number {
  return hashString(String(stream), seed >>> 0);
}
