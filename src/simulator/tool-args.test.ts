import { describe, expect, it } from 'vitest';
import { createRng } from './prng.js';
import { argumentFragments, generateArguments, pythonJson } from './tool-args.js';

describe('generateArguments', () => {
  it('fills every property by type', () => {
    const schema = {
      type: 'object',
      properties: {
        s: { type: 'string' }, i: { type: 'integer' }, n: { type: 'number' }, b: { type: 'boolean' },
        e: { enum: ['x', 'y'] }, a: { type: 'array', items: { type: 'integer' } }, o: { type: 'object', properties: { z: { type: 'null' } } },
      },
    };
    const args = generateArguments(schema, createRng(1), 0);
    expect(Object.keys(args)).toEqual(['s', 'i', 'n', 'b', 'e', 'a', 'o']);
    expect(typeof args.s).toBe('string');
    expect(Number.isInteger(args.i)).toBe(true);
    expect(typeof args.n).toBe('number');
    expect(typeof args.b).toBe('boolean');
    expect(['x', 'y']).toContain(args.e);
    expect(args.o).toEqual({ z: null });
  });

  it('no schema gives {}', () => {
    expect(generateArguments(undefined, createRng(1), 0)).toEqual({});
  });
});

describe('argumentFragments', () => {
  it('splits Python-style JSON into key and value fragments that join to valid JSON', () => {
    const args = { city: '你好', n: [1, { a: true }] };
    const f = argumentFragments(args);
    expect(f).toEqual(['{"city": ', '"你好"', ', "n": ', '[1, {"a": true}]', '}']);
    expect(JSON.parse(f.join(''))).toEqual(args);
  });

  it('empty args are one fragment', () => {
    expect(argumentFragments({})).toEqual(['{}']);
    expect(pythonJson(null)).toBe('null');
  });
});
