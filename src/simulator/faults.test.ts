import { describe, expect, it } from 'vitest';
import { isMidStream, parseFault } from './faults.js';

describe('parseFault', () => {
  it.each([
    ['refuse', { kind: 'refuse' }],
    ['drop', { kind: 'drop' }],
    ['stall-headers', { kind: 'stall-headers' }],
    ['stall-headers:250', { kind: 'stall-headers', ms: 250 }],
    ['stall:3', { kind: 'stall', afterChunks: 3 }],
    ['stall:3:100', { kind: 'stall', afterChunks: 3, ms: 100 }],
    ['reset:0', { kind: 'reset', afterChunks: 0 }],
    ['status:503', { kind: 'status', status: 503 }],
    ['status:500:engine: dead', { kind: 'status', status: 500, message: 'engine: dead' }],
    ['error:2', { kind: 'error', afterChunks: 2 }],
    ['error:2:boom', { kind: 'error', afterChunks: 2, message: 'boom' }],
  ])('%s', (spec, fault) => {
    expect(parseFault(spec)).toEqual(fault);
  });

  it.each(['', 'nope', 'stall', 'stall:x', 'reset', 'status:200', 'status:abc', 'stall-headers:-1'])('rejects %j', (spec) => {
    expect(() => parseFault(spec)).toThrow(RangeError);
  });

  it('classifies mid-stream kinds', () => {
    expect(isMidStream(parseFault('reset:1'))).toBe(true);
    expect(isMidStream(parseFault('status:500'))).toBe(false);
  });
});
