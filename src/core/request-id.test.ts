import { describe, expect, it } from 'vitest';
import { newRequestId, requestIdTime } from './request-id.js';

describe('request ids', () => {
  it('carry their arrival time and differ from one another', () => {
    const t = Date.parse('2026-12-06T09:00:00.123Z');
    const a = newRequestId(t);
    expect(a).toMatch(/^req_[0-9a-z]{9}[0-9a-f]{8}$/);
    expect(requestIdTime(a)).toBe(t);
    expect(new Set(Array.from({ length: 1000 }, () => newRequestId(t))).size).toBe(1000);
  });
  it('only the gateway\'s own ids are read', () => {
    for (const s of ['', 'req_', 'chatcmpl-1', 'req_000000000g2345678', 'req_miw3k2r1x9f3a1c2', 'req_0miw3k2r19f3a1c2bb', 'REQ_0miw3k2r19f3a1c2b']) expect(requestIdTime(s)).toBeUndefined();
  });
});
