import { describe, expect, it } from 'vitest';
import { containsHan, detectUserScript } from '../../test/helpers/script.js';
import { keepsHan, mergeScripts, scanScripts, scriptFromPresence, stripHan } from './script.js';

// Detection is based on the Unicode code points of the inbound user messages:
// Han ideographs (CJK Unified Ideographs blocks) ⇒ Chinese; Hiragana / Katakana ⇒ Japanese,
// output preserved; Hangul ⇒ Korean, output stripped (Han stripping does not affect Hangul).
describe('detectUserScript', () => {
  const rows: Array<{ what: string; text: string; want: string }> = [
    { what: 'Han ideographs (CJK Unified U+4E00–U+9FFF)', text: '请用三句话介绍你自己', want: 'han' },
    { what: 'Han ideographs, Extension A', text: 'x \u3400 y', want: 'han' },
    { what: 'Han ideographs, Extension B (astral, surrogate pair)', text: '𠮷', want: 'han' },
    { what: 'Han ideographs, Compatibility block', text: '\uF900', want: 'han' },
    { what: 'Hiragana ⇒ Japanese', text: 'こんにちは', want: 'japanese' },
    { what: 'Katakana ⇒ Japanese', text: 'カタカナ only', want: 'japanese' },
    { what: 'halfwidth Katakana ⇒ Japanese', text: 'ｶﾀｶﾅ', want: 'japanese' },
    { what: 'kana beats Han: Japanese is written with kanji', text: '日本語で答えてください', want: 'japanese' },
    { what: 'Hangul ⇒ Korean', text: '안녕하세요', want: 'korean' },
    { what: 'Hangul compatibility jamo ⇒ Korean', text: 'ㅋㅋㅋ', want: 'korean' },
    { what: 'Han beats Hangul (Chinese quoting a Korean word stays Chinese)', text: '这个词 안녕 是什么意思', want: 'han' },
    { what: 'not Chinese/Japanese: Latin', text: 'Three primes greater than 100.', want: 'other' },
    { what: 'CJK punctuation alone is not Han', text: 'Hello，world。', want: 'other' },
    { what: 'Cyrillic, Arabic, emoji are other', text: 'Привет مرحبا 🎉', want: 'other' },
    { what: 'empty text', text: '', want: 'other' },
  ];
  for (const r of rows) {
    it(`${r.what}: ${JSON.stringify(r.text)} → ${r.want}`, () => {
      expect(detectUserScript(r.text)).toBe(r.want);
      expect(scriptFromPresence(scanScripts(r.text))).toBe(r.want);
    });
  }

  it('presence folds across several messages', () => {
    const p = mergeScripts(scanScripts('What does this mean?'), scanScripts('你好'));
    expect(scriptFromPresence(p)).toBe('han');
    expect(scriptFromPresence(mergeScripts(p, scanScripts('ひらがな')))).toBe('japanese');
  });

  it('only Chinese and Japanese keep Han in the output', () => {
    expect(keepsHan('han')).toBe(true);
    expect(keepsHan('japanese')).toBe(true);
    expect(keepsHan('korean')).toBe(false);
    expect(keepsHan('other')).toBe(false);
  });
});

// Han ideographs and CJK punctuation are stripped from the model's output.
describe('stripHan', () => {
  const rows: Array<{ what: string; text: string; want: string }> = [
    { what: 'Han ideographs removed', text: 'The answer is 你好 here', want: 'The answer is  here' },
    { what: 'CJK punctuation removed', text: 'Yes，and。no、「quote」【x】', want: 'Yesandnoquotex' },
    { what: 'fullwidth punctuation removed', text: 'Ok！（a）：b；c？', want: 'Okabc' },
    { what: 'ideographic space removed', text: 'a\u3000b', want: 'ab' },
    { what: 'astral Han (U+20BB7) removed whole, no lone surrogate left', text: 'x𠮷野家y', want: 'xy' },
    { what: 'radicals and strokes removed', text: 'a⺀⼀㇀b', want: 'ab' },
    { what: 'Hangul is not affected', text: '한국어 漢字 텍스트', want: '한국어  텍스트' },
    { what: 'kana is kept (only Han goes)', text: 'ひらがな漢字カタカナ', want: 'ひらがなカタカナ' },
    { what: 'fullwidth letters and digits are kept', text: 'ＡＢＣ１２３', want: 'ＡＢＣ１２３' },
    { what: 'ASCII punctuation and emoji are kept', text: 'Hi, there! 🎉 (ok) [x] {y}', want: 'Hi, there! 🎉 (ok) [x] {y}' },
    { what: 'text that is only Han becomes empty', text: '模型，数据。', want: '' },
  ];
  for (const r of rows) {
    it(`${r.what}: ${JSON.stringify(r.text)}`, () => {
      expect(stripHan(r.text)).toBe(r.want);
      expect(containsHan(r.text)).toBe(r.want !== r.text);
    });
  }

  it('returns the same string when there is nothing to strip', () => {
    const s = 'plain English text, nothing to do.';
    expect(stripHan(s)).toBe(s);
  });
});
