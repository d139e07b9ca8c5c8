import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, hashBytes, hashString } from './prng.js';

describe('createRng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(createRng(43).next()).not.toBe(xs[0]);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('hex gives exactly n lowercase hex digits', () => {
    const rng = createRng(1);
    for (const n of [1, 8, 16, 32, 33]) expect(rng.hex(n)).toMatch(new RegExp(`^[0-9a-f]{${n}}$`));
  });

  it('int and pick stay in range', () => {
    const rng = createRng(9);
    for (let i = 0; i < 100; i++) {
      const n = rng.int(3);
      expect(n >= 0 && n < 3).toBe(true);
      expect(['a', 'b']).toContain(rng.pick(['a', 'b']));
    }
  });
});

describe('hashing', () => {
  it('hashString and hashBytes agree on ASCII and depend on the salt', () => {
    expect(hashString('abc')).toBe(hashBytes(Buffer.from('abc')));
    expect(hashString('abc', 1)).not.toBe(hashString('abc'));
    expect(deriveSeed(5, 1)).not.toBe(deriveSeed(5, 2));
  });
});
