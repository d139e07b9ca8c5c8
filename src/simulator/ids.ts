// Response ids and `created` timestamps: random and current by default, fixed by the seed
// when one is given, so a seeded request gets byte-identical responses.

import { randomBytes } from 'node:crypto';
import { createRng, deriveSeed } from './prng.js';
import type { Era } from './options.js';

/** `created` of every seeded response (2025-06-15T15:06:40Z). */
export const SEEDED_CREATED = 1_750_000_000;

/** Source of ids for one request. */
export interface IdSource {
  /** `n` hex digits. */
  hex(n: number): string;
  /** Seconds since the epoch (fixed when seeded). */
  readonly created: number;
}

/**
 * Seeded: a PRNG stream keyed by the seed and `salt` (the endpoints pass a hash of the request
 * body, so equal requests get equal ids and different requests different ones); unseeded:
 * crypto random and the clock.
 */
export function createIds(seed: number | undefined, nowMs: number, salt = 0): IdSource {
  if (seed === undefined) {
    return { hex: (n) => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n), created: Math.floor(nowMs / 1000) };
  }
  const rng = createRng(deriveSeed((seed ^ salt) >>> 0, 1));
  return { hex: (n) => rng.hex(n), created: SEEDED_CREATED };
}

/** vLLM ids carried 32 hex digits until about 0.11, 16 after. */
export function idHexLength(era: Era): number {
  return era === 'legacy' ? 32 : 16;
}
