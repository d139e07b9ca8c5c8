import { describe, expect, it } from 'vitest';
import { createRng } from './prng.js';
import { CJK_PUNCTUATION, HAN_WORDS, generatePieces } from './text-gen.js';

const HAN = /\p{Script=Han}/u;

describe('generatePieces', () => {
  it('gives count pieces of English words, the first without a leading space', () => {
    const p = generatePieces(createRng(3), 20, 0);
    expect(p).toHaveLength(20);
    expect(p[0]?.startsWith(' ')).toBe(false);
    for (const piece of p.slice(1)) expect(piece.startsWith(' ')).toBe(true);
    expect(p.join('')).not.toMatch(HAN);
    expect(p.at(-1)?.endsWith('.')).toBe(true);
  });

  it('mixes in Han words and CJK punctuation, including a 4-byte character', () => {
    const p = generatePieces(createRng(3), 400, 0.5);
    const text = p.join('');
    expect(text).toMatch(HAN);
    expect(text).toMatch(/[a-z]/);
    expect(CJK_PUNCTUATION.some((c) => text.includes(c))).toBe(true);
    expect(text.includes('𠮷')).toBe(true);
    expect(generatePieces(createRng(3), 10, 1).every((x) => HAN_WORDS.some((w) => x.startsWith(w)))).toBe(true);
  });
});
