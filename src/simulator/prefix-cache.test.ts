import { describe, expect, it } from 'vitest';
import { BLOCK_CHARS, BLOCK_TOKENS, PrefixCache, blockKeys } from './prefix-cache.js';

const text = (n: number, seed = 'a'): string => seed.repeat(n);

describe('blockKeys', () => {
  it('one key per full 64-character block, chained: equal blocks after different prefixes differ', () => {
    expect(blockKeys(text(BLOCK_CHARS - 1))).toHaveLength(0);
    expect(blockKeys(text(BLOCK_CHARS * 3 + 5))).toHaveLength(3);
    const a = blockKeys(`${text(BLOCK_CHARS, 'x')}${text(BLOCK_CHARS, 'z')}`);
    const b = blockKeys(`${text(BLOCK_CHARS, 'y')}${text(BLOCK_CHARS, 'z')}`);
    expect(a[1]).not.toBe(b[1]);
    expect(blockKeys(text(BLOCK_CHARS * 2, 'q'))).toEqual(blockKeys(text(BLOCK_CHARS * 2, 'q')));
  });
});

describe('PrefixCache', () => {
  it('hits the leading blocks a previous prompt cached, in tokens, and counts queries and hits', () => {
    const c = new PrefixCache(100);
    const sys = text(BLOCK_CHARS * 4, 's');
    expect(c.lookup(`${sys}first question`, 80).cachedTokens).toBe(0);
    const second = c.lookup(`${sys}second question, longer`, 90);
    expect(second.cachedTokens).toBe(4 * BLOCK_TOKENS);
    expect([c.queries, c.hits]).toEqual([170, 64]);
  });

  it('a differing early block stops the hit there', () => {
    const c = new PrefixCache(100);
    c.lookup(text(BLOCK_CHARS * 4, 's'), 67);
    const other = `${text(BLOCK_CHARS, 's')}${text(BLOCK_CHARS, 't')}${text(BLOCK_CHARS * 2, 's')}`;
    expect(c.lookup(other, 67).cachedTokens).toBe(BLOCK_TOKENS);
  });

  it('never reports the whole prompt as cached', () => {
    const c = new PrefixCache(100);
    c.lookup(text(BLOCK_CHARS), 16);
    expect(c.lookup(text(BLOCK_CHARS), 16).cachedTokens).toBe(15);
  });

  it('evicts least recently used blocks, a prompt\'s last blocks before its first', () => {
    const c = new PrefixCache(4);
    c.lookup(text(BLOCK_CHARS * 3, 'a'), 100);
    c.lookup(text(BLOCK_CHARS * 2, 'b'), 100);
    expect(c.size).toBe(4);
    // a's third block went first; its first two are still there.
    expect(c.lookup(text(BLOCK_CHARS * 3, 'a'), 100).cachedTokens).toBe(2 * BLOCK_TOKENS);
  });

  it('capacity 0 caches nothing', () => {
    const c = new PrefixCache(0);
    c.lookup(text(BLOCK_CHARS * 2), 40);
    expect(c.lookup(text(BLOCK_CHARS * 2), 40).cachedTokens).toBe(0);
    expect(c.queries).toBe(80);
  });
});

describe('prefix cache and LoRA adapters', () => {
  it("an adapter's blocks are its own: it misses the base model's and another adapter's, and hits its own", () => {
    const cache = new PrefixCache(100);
    const text = 'x'.repeat(640);
    expect(cache.lookup(text, 160).cachedTokens).toBe(0);
    expect(cache.lookup(text, 160).cachedTokens).toBeGreaterThan(0);
    expect(cache.lookup(text, 160, 'sql').cachedTokens).toBe(0);
    expect(cache.lookup(text, 160, 'chat').cachedTokens).toBe(0);
    expect(cache.lookup(text, 160, 'sql').cachedTokens).toBeGreaterThan(0);
    expect(blockKeys(text, 'sql')).not.toEqual(blockKeys(text));
  });
});
