import { afterEach, describe, expect, it } from 'vitest';
import { testDialects } from '../../test/helpers/dialects.js';
import type { Store } from './db.js';
import { getRequestLog, insertRequestLog, listRequestLog, type RequestLogInsert } from './request-log.repo.js';

const dialects = await testDialects();

/** Every column a value of its own, so a column bound in another's place shows. */
const ROW: RequestLogInsert = {
  time: '2026-12-04T10:00:00.000Z', key_id: 'key-id', key_name: 'key-name', model: 'asked-model', served_model: 'served-model',
  endpoint: 'chat', method: 'POST', stream: 1, status: 429, result: 'rejected', error: 'rate_limited',
  prompt_tokens: 101, completion_tokens: 102, cached_tokens: 103, reasoning_tokens: 104, ttft_ms: 105, duration_ms: 106,
  backend: 'http://backend:8000', client_ip: '10.0.0.9', user_agent: 'agent/1', session_id: 'session-1', capped: 'max_tokens=64000->16384',
  aliased: 1, thinking: 'off', request_body: '{"request":1}', request_truncated: 1, response_body: '{"response":2}', response_truncated: 0,
  request_id: 'req_0miw3k2r19f3a1c2b', usage_estimated: 1, route: 'spilled', path: '/v1/chat%2Fcompletions', error_message: 'Rate limit exceeded: 1 request per minute for this key. Retry in 40 s.',
  queued_ms: 107,
};

for (const dialect of dialects) {
  describe(`request log store (${dialect.name})`, () => {
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it('stores every column where it belongs', async () => {
      store = await dialect.open();
      await insertRequestLog(store, [ROW]);
      const { rows } = await listRequestLog(store.db, {}, 10, undefined);
      expect(rows).toHaveLength(1);
      const id = rows[0]!.id;
      expect(await getRequestLog(store.db, id)).toEqual({ id, ...ROW });
    });
  });
}
