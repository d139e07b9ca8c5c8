import { describe, expect, it } from 'vitest';
import { nestedDeeperThan, textNestsDeeperThan, tryParseJson, utf8Text } from './json.js';

describe('utf8Text', () => {
  it('decodes a large ASCII body exactly (the Latin-1 path)', () => {
    const text = `{"messages":[${'{"role":"user","content":"a \\"quoted\\" line\\n"},'.repeat(400)}{}]}`;
    expect(text.length).toBeGreaterThan(4096);
    const out = utf8Text(Buffer.from(text));
    expect(out).toBe(text);
    expect(JSON.parse(out)).toEqual(JSON.parse(text));
  });

  it('decodes a large body with multi-byte characters as UTF-8', () => {
    const text = `${'x'.repeat(5000)}é漢字😀${'y'.repeat(10)}`;
    expect(utf8Text(Buffer.from(text))).toBe(text);
  });

  it('decodes small bodies, with and without multi-byte characters', () => {
    expect(utf8Text(Buffer.from('{"a":"b"}'))).toBe('{"a":"b"}');
    expect(utf8Text(Buffer.from('{"a":"漢"}'))).toBe('{"a":"漢"}');
    expect(utf8Text(Buffer.alloc(0))).toBe('');
  });

  it('replaces invalid UTF-8 as the UTF-8 decoder does, at any size', () => {
    const bad = Buffer.concat([Buffer.alloc(5000, 0x61), Buffer.from([0xff, 0xfe]), Buffer.from('z')]);
    expect(utf8Text(bad)).toBe(bad.toString('utf8'));
    expect(utf8Text(bad)).toContain('\ufffd');
  });
});

describe('tryParseJson', () => {
  it('parses JSON and answers undefined for anything else', () => {
    expect(tryParseJson('{"a":[1,2]}')).toEqual({ a: [1, 2] });
    expect(tryParseJson('{"a":')).toBeUndefined();
  });
});

describe('nestedDeeperThan', () => {
  it('counts the top-level container as level 1, arrays and objects alike', () => {
    expect(nestedDeeperThan('x', 0)).toBe(false);
    expect(nestedDeeperThan({}, 1)).toBe(false);
    expect(nestedDeeperThan({}, 0)).toBe(true);
    expect(nestedDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestedDeeperThan({ a: [{ b: [] }] }, 3)).toBe(true);
    // The deep branch is found whatever its position.
    expect(nestedDeeperThan([[], [[[]]], 1, 'x'], 3)).toBe(true);
  });

  it('is safe at a depth that exhausts recursion', () => {
    const n = 200_000;
    const deep = JSON.parse(`${'['.repeat(n)}${']'.repeat(n)}`) as unknown;
    expect(nestedDeeperThan(deep, 128)).toBe(true);
    expect(nestedDeeperThan(deep, n)).toBe(false);
  });
});

describe('textNestsDeeperThan', () => {
  it('counts the brackets of the text as JSON.parse would nest them, strings and escaped quotes aside', () => {
    const at = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(textNestsDeeperThan(at(128), 128)).toBe(false);
    expect(textNestsDeeperThan(at(129), 128)).toBe(true);
    expect(textNestsDeeperThan(`{"a":"${'['.repeat(300)}","b":[{}]}`, 3)).toBe(false);
    expect(textNestsDeeperThan(`{"a":"x\\"[[[","b":[[1]]}`, 2)).toBe(true);
    expect(textNestsDeeperThan(`{"a":"\\\\","b":[1]}`, 2)).toBe(false);
    for (const text of [at(3), '{"a":{"b":[{"c":"[{"}]}}', '[1,[2,[3]],"]]]]"]']) {
      expect(textNestsDeeperThan(text, 3), text).toBe(nestedDeeperThan(JSON.parse(text), 3));
    }
  });
});
