import { describe, expect, it } from 'vitest';
import { RequestsQuery } from '../shared/api-contract.js';
import { newRequestId } from './request-id.js';

describe('request ids', () => {
  it('the admin API reads back the arrival time an id carries; ids differ from one another', () => {
    const t = Date.parse('2026-12-06T09:00:00.123Z');
    const id = newRequestId(t);
    expect(RequestsQuery.parse({ request_id: id }).request_id).toEqual({ id, at: t });
    expect(new Set(Array.from({ length: 1000 }, () => newRequestId(t))).size).toBe(1000);
  });
  it("the admin API takes only the gateway's own ids", () => {
    for (const s of ['', 'req_', 'chatcmpl-1', 'req_000000000g2345678', 'req_miw3k2r1x9f3a1c2', 'req_0miw3k2r19f3a1c2bb', 'REQ_0miw3k2r19f3a1c2b']) {
      expect(RequestsQuery.safeParse({ request_id: s }).success).toBe(false);
    }
  });
});
