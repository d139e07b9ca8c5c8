import { describe, expect, it } from 'vitest';
import { leadingStringMember } from './json-lead-string.js';

const read = (s: string) => leadingStringMember(Buffer.from(s), 'model');

describe('leadingStringMember', () => {
  it('reads the first string value of the key', () => {
    expect(read('{"id":"x","model" : "sim-model","choices":[{"model":"other"}]}')).toBe('sim-model');
    expect(read('{"model":"Qwen/Qwen3-8B"}')).toBe('Qwen/Qwen3-8B');
  });
  it('skips the name as a value and answers undefined for absent, non-string or escaped values', () => {
    expect(read('{"role":"model","model":"m"}')).toBe('m');
    expect(read('{"id":"x"}')).toBeUndefined();
    expect(read('{"model":null}')).toBeUndefined();
    expect(read('{"model":"a\\"b"}')).toBeUndefined();
    expect(read('{"model":"unterminated')).toBeUndefined();
  });
});
