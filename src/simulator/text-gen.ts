// Generates the simulated model's output as a list of pieces (one piece = one token):
// English-ish words from a seeded PRNG, optionally mixed with Han ideographs and CJK
// punctuation (multi-byte UTF-8, one of them outside the BMP) for the gateway's Han filter.

import type { Rng } from './prng.js';

const WORDS = [
  'the', 'model', 'server', 'token', 'stream', 'answer', 'simple', 'quick', 'data', 'value',
  'request', 'cluster', 'memory', 'result', 'output', 'signal', 'window', 'river', 'forest',
  'light', 'paper', 'system', 'number', 'little', 'bright', 'green', 'steady', 'open', 'small',
  'large', 'first', 'next', 'every', 'other', 'simulated', 'vector', 'batch', 'cache', 'queue',
  'and', 'of', 'to', 'in', 'with', 'for', 'on', 'is', 'a',
] as const;

/** Han words (3-byte UTF-8 each character; 𠮷 is U+20BB7, 4 bytes and a surrogate pair). */
export const HAN_WORDS = [
  '你好', '世界', '模型', '数据', '中文', '测试', '服务', '网络', '推理', '文本', '𠮷野家', '天气',
] as const;

/** CJK punctuation appended to some Han pieces. */
export const CJK_PUNCTUATION = ['，', '。', '、', '！', '？'] as const;

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * `count` pieces of text. English pieces carry a leading space (except the first and those
 * after a sentence end is capitalised); a piece is Han with probability `hanRatio`.
 */
export function generatePieces(rng: Rng, count: number, hanRatio: number): string[] {
  const pieces: string[] = [];
  let sentenceStart = true;
  for (let i = 0; i < count; i++) {
    if (hanRatio > 0 && rng.next() < hanRatio) {
      const punct = rng.next() < 0.4 ? rng.pick(CJK_PUNCTUATION) : '';
      pieces.push(rng.pick(HAN_WORDS) + punct);
      sentenceStart = punct === '。';
      continue;
    }
    const word = rng.pick(WORDS);
    const end = i === count - 1 || rng.next() < 0.12;
    const text = (sentenceStart ? capitalise(word) : word) + (end ? '.' : '');
    pieces.push(i === 0 ? text : ` ${text}`);
    sentenceStart = end;
  }
  return pieces;
}

/** One short string value for tool arguments (Han with probability `hanRatio`). */
export function generateWord(rng: Rng, hanRatio: number): string {
  return hanRatio > 0 && rng.next() < hanRatio ? rng.pick(HAN_WORDS) : rng.pick(WORDS);
}
