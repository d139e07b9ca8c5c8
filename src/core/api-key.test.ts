import { describe, expect, it } from 'vitest';
import { API_KEY_PREFIX, displayPrefix, generateApiKey, hashApiKey, presentedApiKey } from './api-key.js';

describe('api keys', () => {
  it('hashes with SHA-256 to lowercase hex (the digest the store keeps)', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    // A key is hashed as UTF-8.
    expect(hashApiKey('wp-é')).toBe('8a28ef34a86dd2874e738dfab6f4977fc384044bfdef46c4e216dc3797d4d420');
  });

  it('generates wp- keys of 256 random bits and shows only their prefix', () => {
    const a = generateApiKey();
    expect(a.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(a).toHaveLength(3 + 43);
    expect(generateApiKey()).not.toBe(a);
    expect(displayPrefix(a)).toBe(a.slice(0, 11));
  });

  it('never displays more than a third of a key', () => {
    expect(displayPrefix('k'.repeat(20))).toBe('k'.repeat(6));
    expect(displayPrefix('abcdefgh')).toBe('ab');
    expect(displayPrefix('ab')).toBe('');
  });
});

describe('presentedApiKey: one rule for /v1 and /api', () => {
  const rows: Array<[string, string | undefined, string | string[] | undefined, string | undefined]> = [
    ['Bearer and one space', 'Bearer k1', undefined, 'k1'],
    ['scheme in any case', 'bEARER k1', undefined, 'k1'],
    ['several spaces', 'Bearer    k1', undefined, 'k1'],
    ['a tab', 'Bearer\tk1', undefined, 'k1'],
    ['spaces and tabs, trailing space trimmed', 'Bearer \t k1 ', undefined, 'k1'],
    ['no separator is not Bearer', 'Bearerk1', 'x1', 'x1'],
    ['another scheme falls back to x-api-key', 'Basic abc', 'x1', 'x1'],
    ['an empty token falls back to x-api-key', 'Bearer   ', 'x1', 'x1'],
    ['Bearer wins over x-api-key', 'Bearer k1', 'x1', 'k1'],
    ['x-api-key trimmed', undefined, ' x1 ', 'x1'],
    ['repeated x-api-key: the first', undefined, ['x1', 'x2'], 'x1'],
    ['blank x-api-key is none', undefined, '  ', undefined],
    ['nothing', undefined, undefined, undefined],
  ];
  for (const [name, auth, x, want] of rows) it(name, () => expect(presentedApiKey(auth, x)).toBe(want));
});
