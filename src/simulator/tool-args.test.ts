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

describe('generateArguments honours the schema', () => {
  const many = (schema: unknown, n = 200) => Array.from({ length: n }, (_, i) => generateArguments(schema, createRng(i), 0));

  it('number and integer properties are whole numbers within their bounds', () => {
    const schema = {
      type: 'object',
      properties: {
        timeout_ms: { type: 'number' },
        n: { type: 'integer', minimum: 3, maximum: 5 },
        neg: { type: 'integer', maximum: -10 },
        ex: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 2 },
        opt: { type: ['integer', 'null'] },
      },
    };
    for (const a of many(schema)) {
      expect(Number.isInteger(a.timeout_ms)).toBe(true);
      expect(a.n as number).toBeGreaterThanOrEqual(3);
      expect(a.n as number).toBeLessThanOrEqual(5);
      expect(a.neg as number).toBeLessThanOrEqual(-10);
      expect(a.ex).toBe(1);
      expect(Number.isInteger(a.opt)).toBe(true);
    }
  });

  it('const, anyOf, allOf, minItems and untyped objects', () => {
    const schema = {
      type: 'object',
      properties: {
        c: { const: 'fixed' },
        any: { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 7, maximum: 7 }] },
        all: { allOf: [{ type: 'boolean' }] },
        list: { type: 'array', items: { type: 'string' }, minItems: 2 },
        plain: { properties: { k: { type: 'integer' } } },
      },
    };
    const a = generateArguments(schema, createRng(3), 0);
    expect(a.c).toBe('fixed');
    expect(a.any).toBe(7);
    expect(typeof a.all).toBe('boolean');
    expect(a.list).toHaveLength(2);
    expect((a.list as unknown[]).every((x) => typeof x === 'string')).toBe(true);
    expect(Number.isInteger((a.plain as { k: unknown }).k)).toBe(true);
  });
});
