import { describe, expect, it } from 'vitest';
import { containsHan, detectUserScript, keepsHan, mergeScripts, scanScripts, scriptFromPresence, stripHan } from './script.js';

// Seed 003 lines 44-48: "Detection is based on Unicode codepoints in the inbound user messages:
// Han ideographs (CJK Unified Ideographs blocks) / Hiragana / Katakana ⇒ treated as Japanese;
// output preserved / Hangul ⇒ treated as Korean; output preserved (Han stripping doesn't affect Hangul)".
describe('detectUserScript', () => {
  const rows: Array<{ seed: string; text: string; want: string }> = [
    { seed: '003:46 Han ideographs (CJK Unified U+4E00–U+9FFF)', text: '请用三句话介绍你自己', want: 'han' },
    { seed: '003:46 Han ideographs, Extension A', text: 'x \u3400 y', want: 'han' },
    { seed: '003:46 Han ideographs, Extension B (astral, surrogate pair)', text: '𠮷', want: 'han' },
    { seed: '003:46 Han ideographs, Compatibility block', text: '\uF900', want: 'han' },
    { seed: '003:47 Hiragana ⇒ Japanese', text: 'こんにちは', want: 'japanese' },
    { seed: '003:47 Katakana ⇒ Japanese', text: 'カタカナ only', want: 'japanese' },
    { seed: '003:47 halfwidth Katakana ⇒ Japanese', text: 'ｶﾀｶﾅ', want: 'japanese' },
    { seed: '003:47 kana beats Han: Japanese is written with kanji', text: '日本語で答えてください', want: 'japanese' },
    { seed: '003:48 Hangul ⇒ Korean', text: '안녕하세요', want: 'korean' },
    { seed: '003:48 Hangul compatibility jamo ⇒ Korean', text: 'ㅋㅋㅋ', want: 'korean' },
    { seed: '003:46 Han beats Hangul (Chinese quoting a Korean word stays Chinese)', text: '这个词 안녕 是什么意思', want: 'han' },
    { seed: '003:42 not Chinese/Japanese: Latin', text: 'Three primes greater than 100.', want: 'other' },
    { seed: '003:42 CJK punctuation alone is not Han', text: 'Hello，world。', want: 'other' },
    { seed: '003:42 Cyrillic, Arabic, emoji are other', text: 'Привет مرحبا 🎉', want: 'other' },
    { seed: '003:42 empty text', text: '', want: 'other' },
  ];
  for (const r of rows) {
    it(`${r.seed}: ${JSON.stringify(r.text)} → ${r.want}`, () => {
      expect(detectUserScript(r.text)).toBe(r.want);
      expect(scriptFromPresence(scanScripts(r.text))).toBe(r.want);
    });
  }

  it('003:44 presence folds across several messages', () => {
    const p = mergeScripts(scanScripts('What does this mean?'), scanScripts('你好'));
    expect(scriptFromPresence(p)).toBe('han');
    expect(scriptFromPresence(mergeScripts(p, scanScripts('ひらがな')))).toBe('japanese');
  });

  it('003:42 only Chinese and Japanese keep Han in the output', () => {
    expect(keepsHan('han')).toBe(true);
    expect(keepsHan('japanese')).toBe(true);
    expect(keepsHan('korean')).toBe(false);
    expect(keepsHan('other')).toBe(false);
  });
});

// Seed 003 line 42: "strip Han ideographs and CJK punctuation from the model's streaming output".
describe('stripHan', () => {
  const rows: Array<{ seed: string; text: string; want: string }> = [
    { seed: '003:42 Han ideographs removed', text: 'The answer is 你好 here', want: 'The answer is  here' },
    { seed: '003:42 CJK punctuation removed', text: 'Yes，and。no、「quote」【x】', want: 'Yesandnoquotex' },
    { seed: '003:42 fullwidth punctuation removed', text: 'Ok！（a）：b；c？', want: 'Okabc' },
    { seed: '003:42 ideographic space removed', text: 'a\u3000b', want: 'ab' },
    { seed: '003:42 astral Han (U+20BB7) removed whole, no lone surrogate left', text: 'x𠮷野家y', want: 'xy' },
    { seed: '003:42 radicals and strokes removed', text: 'a⺀⼀㇀b', want: 'ab' },
    { seed: '003:48 Hangul is not affected', text: '한국어 漢字 텍스트', want: '한국어  텍스트' },
    { seed: '003:47 kana is kept (only Han goes)', text: 'ひらがな漢字カタカナ', want: 'ひらがなカタカナ' },
    { seed: '003:42 fullwidth letters and digits are kept', text: 'ＡＢＣ１２３', want: 'ＡＢＣ１２３' },
    { seed: '003:42 ASCII punctuation and emoji are kept', text: 'Hi, there! 🎉 (ok) [x] {y}', want: 'Hi, there! 🎉 (ok) [x] {y}' },
    { seed: '003:42 text that is only Han becomes empty', text: '模型，数据。', want: '' },
  ];
  for (const r of rows) {
    it(`${r.seed}: ${JSON.stringify(r.text)}`, () => {
      expect(stripHan(r.text)).toBe(r.want);
      expect(containsHan(r.text)).toBe(r.want !== r.text);
    });
  }

  it('returns the same string when there is nothing to strip', () => {
    const s = 'plain English text, nothing to do.';
    expect(stripHan(s)).toBe(s);
  });
});
