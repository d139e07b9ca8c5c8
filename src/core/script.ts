/**
 * Unicode script rules of Han-script stripping (docs/shaping.md): which script a user writes in
 * (Han → Chinese, kana → Japanese, Hangul → Korean) and removal of Han ideographs and CJK
 * punctuation from text. Pure; the code-point ranges below are the documented contract
 * (docs/shaping.md).
 */

/** The script of the user's messages, as far as the gateway cares. */
export type Script = 'han' | 'japanese' | 'korean' | 'other';

/**
 * Han ideographs used for detection (the CJK Unified Ideographs blocks):
 * Extension A U+3400–U+4DBF, Unified U+4E00–U+9FFF, Compatibility U+F900–U+FAFF, and the
 * supplementary planes U+20000–U+323AF (Extensions B–I and Compatibility Supplement).
 */
const HAN_IDEOGRAPH = '\\u{3400}-\\u{4DBF}\\u{4E00}-\\u{9FFF}\\u{F900}-\\u{FAFF}\\u{20000}-\\u{323AF}';

/**
 * Hiragana U+3040–U+309F, Katakana U+30A0–U+30FF, Katakana Phonetic Extensions
 * U+31F0–U+31FF, halfwidth Katakana U+FF66–U+FF9F, Kana Supplement/Extended U+1B000–U+1B16F.
 */
const KANA = '\\u{3040}-\\u{30FF}\\u{31F0}-\\u{31FF}\\u{FF66}-\\u{FF9F}\\u{1B000}-\\u{1B16F}';

/**
 * Hangul Jamo U+1100–U+11FF, Compatibility Jamo U+3130–U+318F, Jamo Extended-A
 * U+A960–U+A97F, Syllables U+AC00–U+D7AF, Jamo Extended-B U+D7B0–U+D7FF, halfwidth
 * Hangul U+FFA0–U+FFDC.
 */
const HANGUL = '\\u{1100}-\\u{11FF}\\u{3130}-\\u{318F}\\u{A960}-\\u{A97F}\\u{AC00}-\\u{D7FF}\\u{FFA0}-\\u{FFDC}';

/**
 * What stripping removes besides the ideographs: CJK Radicals Supplement, Kangxi Radicals
 * and Ideographic Description Characters U+2E80–U+2FFF, CJK Strokes U+31C0–U+31EF.
 */
const HAN_OTHER = '\\u{2E80}-\\u{2FFF}\\u{31C0}-\\u{31EF}';

/**
 * CJK punctuation: CJK Symbols and Punctuation U+3000–U+303F (、。「」【】 and the
 * ideographic space), Vertical Forms U+FE10–U+FE1F, CJK Compatibility Forms U+FE30–U+FE4F,
 * and the fullwidth/halfwidth punctuation of U+FF01–U+FF65 (！，．：；？（）［］｛｝｡｢｣､･ …).
 * Fullwidth letters and digits (U+FF10–U+FF19, U+FF21–U+FF3A, U+FF41–U+FF5A) are kept.
 */
const CJK_PUNCTUATION =
  '\\u{3000}-\\u{303F}\\u{FE10}-\\u{FE1F}\\u{FE30}-\\u{FE4F}\\u{FF01}-\\u{FF0F}\\u{FF1A}-\\u{FF20}\\u{FF3B}-\\u{FF40}\\u{FF5B}-\\u{FF65}';

const HAN_RE = new RegExp(`[${HAN_IDEOGRAPH}]`, 'u');
const KANA_RE = new RegExp(`[${KANA}]`, 'u');
const HANGUL_RE = new RegExp(`[${HANGUL}]`, 'u');
const STRIP_TEST_RE = new RegExp(`[${HAN_IDEOGRAPH}${HAN_OTHER}${CJK_PUNCTUATION}]`, 'u');
const STRIP_RE = new RegExp(`[${HAN_IDEOGRAPH}${HAN_OTHER}${CJK_PUNCTUATION}]+`, 'gu');

/** Which of the three scripts occur in some text; fold several texts with `mergeScripts`. */
export interface ScriptPresence {
  readonly han: boolean;
  readonly kana: boolean;
  readonly hangul: boolean;
}

export const NO_SCRIPT: ScriptPresence = Object.freeze({ han: false, kana: false, hangul: false });

/** The scripts that occur in `text`. */
export function scanScripts(text: string): ScriptPresence {
  return { han: HAN_RE.test(text), kana: KANA_RE.test(text), hangul: HANGUL_RE.test(text) };
}

/** Union of two presences. */
export function mergeScripts(a: ScriptPresence, b: ScriptPresence): ScriptPresence {
  return { han: a.han || b.han, kana: a.kana || b.kana, hangul: a.hangul || b.hangul };
}

/**
 * The conversation's script from which scripts occur. Kana beats Han because Japanese is
 * written with kanji; Han beats Hangul so that Chinese text quoting a Korean word is never
 * treated as Korean (which would strip the Chinese answer). Korean text with Hanja is thus
 * treated as Chinese: the safe side, since that only keeps Han in the output.
 */
export function scriptFromPresence(p: ScriptPresence): Script {
  if (p.kana) return 'japanese';
  if (p.han) return 'han';
  if (p.hangul) return 'korean';
  return 'other';
}

/** Whether output for a conversation in `script` keeps its Han (Chinese and Japanese do). */
export function keepsHan(script: Script): boolean {
  return script === 'han' || script === 'japanese';
}

/**
 * `text` without Han ideographs, radicals, strokes and CJK punctuation; the same string
 * (same reference) when there is nothing to remove. Kana, Hangul, fullwidth letters and
 * everything else are kept. Works on whole strings: a caller that filters a stream does so
 * per decoded frame, where every character is complete (see docs/shaping.md).
 */
export function stripHan(text: string): string {
  if (!STRIP_TEST_RE.test(text)) return text;
  return text.replace(STRIP_RE, '');
}
