import { describe, expect, it } from 'vitest';
import { API_KEY_PREFIX, displayPrefix, generateApiKey, hashApiKey } from './api-key.js';

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
});
