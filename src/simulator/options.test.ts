import { describe, expect, it } from 'vitest';
import { parseChunking, parseEra, resolveOptions } from './options.js';

describe('resolveOptions', () => {
  it('fills defaults', () => {
    const o = resolveOptions();
    expect(o).toMatchObject({
      model: 'sim-model', root: 'vllm-simulator/sim-model', maxModelLen: 32768, era: 'modern', version: '0.19.1', reasoning: true,
      tokens: 16, reasoningTokens: 8, toolCalls: 1, ttftMs: 0, itlMs: 0, hanRatio: 0, chunking: { mode: 'step' }, pingEvery: 0,
      record: true, recordLimit: 1000, recordBytesLimit: 256 * 1024,
    });
    expect(o.apiKey).toBeUndefined();
    expect(o.seed).toBeUndefined();
  });

  it('derives the version from the era and parses string forms', () => {
    expect(resolveOptions({ era: 'legacy' }).version).toBe('0.11.0');
    expect(resolveOptions({ chunking: 'bytes:7' }).chunking).toEqual({ mode: 'bytes', size: 7 });
    expect(resolveOptions({ fault: 'status:503' }).fault).toEqual({ kind: 'status', status: 503 });
  });

  it.each([
    [{ model: '' }, /model/],
    [{ tokens: -1 }, /tokens/],
    [{ tokens: 1.5 }, /tokens/],
    [{ hanRatio: 2 }, /hanRatio/],
    [{ ttftMs: -5 }, /ttftMs/],
    [{ chunking: 'bytes:0' }, /chunking/],
    [{ seed: 0.5 }, /seed/],
  ])('rejects %j', (o, msg) => {
    expect(() => resolveOptions(o)).toThrow(msg);
  });

  it('parses eras and chunking', () => {
    expect(parseEra('dual')).toBe('dual');
    expect(() => parseEra('new')).toThrow(RangeError);
    expect(parseChunking('frame')).toEqual({ mode: 'frame' });
    expect(() => parseChunking('bytes:x')).toThrow(RangeError);
  });
});
