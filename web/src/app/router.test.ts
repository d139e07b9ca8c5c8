import { describe, expect, it } from 'vitest';
import { isConsoleHref } from './router';

describe('isConsoleHref', () => {
  it('takes console pages, with their query, and leaves other hosts and server paths to the browser', () => {
    for (const href of ['/keys', '/requests?key_id=abc', '/usage#x', '/apis', '/v1x']) expect(isConsoleHref(href), href).toBe(true);
    for (const href of ['//evil.example/keys', 'https://x/keys', 'keys', '/v1/models', '/v1', '/api/usage?detail=day', '/metrics', '/healthz', '/readyz?x']) {
      expect(isConsoleHref(href), href).toBe(false);
    }
  });
});
