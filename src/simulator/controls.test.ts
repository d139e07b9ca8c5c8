import { describe, expect, it } from 'vitest';
import { defaultControls, readControls } from './controls.js';
import { resolveOptions } from './options.js';

const base = defaultControls(resolveOptions({ tokens: 5 }));

describe('readControls', () => {
  it('returns the base object itself when no x-sim header is present', () => {
    expect(readControls({ 'content-type': 'application/json' }, base)).toBe(base);
  });

  it('reads every header', () => {
    const c = readControls({
      'x-sim-tokens': '3', 'x-sim-reasoning-tokens': '2', 'x-sim-reasoning': 'off', 'x-sim-tool-calls': '2',
      'x-sim-ttft-ms': '10', 'x-sim-itl-ms': '2.5', 'x-sim-seed': '9', 'x-sim-han': '0.25', 'x-sim-chunking': 'bytes:7',
      'x-sim-ping': '1', 'x-sim-era': 'legacy', 'x-sim-fault': 'reset:2', 'x-sim-hold': 'h1', 'x-sim-hold-after': '3',
    }, base);
    expect(c).toEqual({
      tokens: 3, reasoningTokens: 2, reasoning: false, toolCalls: 2, toolCallsAsked: true, ttftMs: 10, itlMs: 2.5, seed: 9, hanRatio: 0.25,
      chunking: { mode: 'bytes', size: 7 }, pingEvery: 1, era: 'legacy', fault: { kind: 'reset', afterChunks: 2 },
      hold: { tag: 'h1', after: 3 },
    });
  });

  it('han 1/on means a half-and-half mix, all means only Han; hold-after defaults to 1', () => {
    const c = readControls({ 'x-sim-han': 'on', 'x-sim-hold': 't' }, base);
    expect(c.hanRatio).toBe(0.5);
    expect(readControls({ 'x-sim-han': '1' }, base).hanRatio).toBe(0.5);
    expect(readControls({ 'x-sim-han': 'all' }, base).hanRatio).toBe(1);
    expect(readControls({ 'x-sim-han': '0' }, base).hanRatio).toBe(0);
    expect(c.hold).toEqual({ tag: 't', after: 1 });
    expect(c.tokens).toBe(5);
  });

  it.each([
    [{ 'x-sim-tokens': 'x' }, /x-sim-tokens/],
    [{ 'x-sim-han': '2' }, /x-sim-han/],
    [{ 'x-sim-era': 'old' }, /x-sim-era/],
    [{ 'x-sim-fault': 'bogus' }, /x-sim-fault/],
    [{ 'x-sim-reasoning': 'maybe' }, /x-sim-reasoning/],
    [{ 'x-sim-chunking': 'bytes:0' }, /x-sim-chunking/],
  ])('rejects %j naming the header', (h, msg) => {
    expect(() => readControls(h, base)).toThrow(msg);
  });
});
