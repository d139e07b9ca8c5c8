import { describe, expect, it } from 'vitest';
import { topLevelString } from './json-bytes.js';

describe('topLevelString', () => {
  const rows: ReadonlyArray<[string, string, string | undefined]> = [
    ['first member', '{"model":"GLM-5.1","input":"x"}', 'GLM-5.1'],
    ['after a long input with quotes and braces', `{"input":"${'a\\"}{'.repeat(1000)}","model":"Kimi-K2.6"}`, 'Kimi-K2.6'],
    ['after nested objects and arrays', '{"input":[["x"],{"model":"nested"}],"encoding_format":"float", "model" : "top"}', 'top'],
    ['a nested model only', '{"input":{"model":"nested"}}', undefined],
    ['escapes in the value', '{"model":"a\\u0062c"}', 'abc'],
    ['not a string', '{"model":7}', undefined],
    ['a malformed value', '{"model":7x}', undefined],
    ['an escaped key', '{"mod\\u0065l":"m"}', 'm'],
    ['a key with a malformed escape (not JSON)', '{"model":"m","messa\\ges":[]}', undefined],
    ['absent', '{"input":"x"}', undefined],
    ['empty object', '{ }', undefined],
    ['an array body', '["model"]', undefined],
    ['not JSON', 'model=x', undefined],
    ['cut short', '{"input":"x","model":"GL', undefined],
    ['leading whitespace', ' \n {"model":"m"}', 'm'],
  ];
  for (const [what, text, want] of rows) {
    it(`${what} → ${String(want)}`, () => {
      expect(topLevelString(Buffer.from(text), 'model')).toBe(want);
    });
  }
});
