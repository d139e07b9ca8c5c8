import { describe, expect, it } from 'vitest';
import { anthropicModel } from './anthropic-models.js';

describe('anthropicModel', () => {
  it('created (Unix seconds) becomes created_at; one in milliseconds, out of range or absent is the epoch', () => {
    expect(anthropicModel({ id: 'GLM-5.1', created: 1_765_000_000 })).toEqual({ type: 'model', id: 'GLM-5.1', display_name: 'GLM-5.1', created_at: '2025-12-06T05:46:40Z' });
    for (const created of [1_765_000_000_000, 1e300, -5, 'x', undefined]) {
      expect(anthropicModel({ id: 'm', ...(created === undefined ? {} : { created }) }).created_at).toBe('1970-01-01T00:00:00Z');
    }
  });
});
