import { describe, expect, it } from 'vitest';
import { topLevelObjectMember, UNKNOWN } from './json-tail-member.js';

const read = (text: string): ReturnType<typeof topLevelObjectMember> => topLevelObjectMember(Buffer.from(text), 'usage');

describe('topLevelObjectMember', () => {
  it('reads the top-level member wherever it sits, with nested objects inside it', () => {
    const usage = { prompt_tokens: 12, total_tokens: 20, completion_tokens: 8, prompt_tokens_details: { cached_tokens: 3 } };
    for (const body of [
      { id: 'x', choices: [{ message: { content: 'hi' } }], usage },
      { usage, id: 'x' },
      { id: 'x', usage, prompt_logprobs: null, kv_transfer_params: { a: [1, { b: '}' }] } },
    ]) {
      expect(read(JSON.stringify(body))).toEqual(usage);
      expect(read(JSON.stringify(body, null, 2))).toEqual(usage);
    }
  });

  it('is undefined when no key is named so, and UNKNOWN rather than wrong otherwise', () => {
    expect(read('{"id":"x","choices":[]}')).toBeUndefined();
    // Nested only: the top-level object has no usage; a full parse must decide.
    expect(read('{"a":{"usage":{"prompt_tokens":1}},"b":2}')).toBe(UNKNOWN);
    expect(read('{"a":[{"usage":{"prompt_tokens":1}}]}')).toBe(UNKNOWN);
    // Top-level first, nested last: the last occurrence is nested, so UNKNOWN.
    expect(read('{"usage":{"prompt_tokens":1},"a":{"usage":{"prompt_tokens":2}}}')).toBe(UNKNOWN);
    // In string content the quotes are escaped: never taken for the key.
    const inString = JSON.stringify({ choices: [{ text: 'say "usage":{"prompt_tokens":9}' }], usage: { prompt_tokens: 1 } });
    expect(read(inString)).toEqual({ prompt_tokens: 1 });
    const onlyInString = JSON.stringify({ choices: [{ text: ',"usage":{"prompt_tokens":9}}' }] });
    expect(read(onlyInString)).toBeUndefined();
    // Not an object, cut short, or a key spelled with escapes.
    expect(read('{"usage":null}')).toBe(UNKNOWN);
    expect(read('{"usage":{"prompt_tokens":1}')).toBe(UNKNOWN);
    expect(read('{"\\u0075sage":{"prompt_tokens":1}}')).toBe(UNKNOWN);
    expect(read('{"usage":{"prompt_tokens":1},"x":}')).toBe(UNKNOWN);
  });

  it('agrees with JSON.parse on every prefix-free variation of a real answer', () => {
    const base = { id: 'c', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'a "b" {c} \\ d' } }] };
    const usage = { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 };
    const bodies = [
      JSON.stringify({ ...base, usage }),
      JSON.stringify({ usage, ...base }),
      JSON.stringify({ ...base, usage, tail: 'x' }),
      JSON.stringify({ ...base, usage: { ...usage, nested: { deep: { x: '}}' } } } }),
    ];
    for (const b of bodies) {
      const got = read(b);
      expect(got).not.toBe(UNKNOWN);
      expect(got).toEqual((JSON.parse(b) as { usage: unknown }).usage);
    }
  });
});
