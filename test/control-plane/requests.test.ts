// GET /api/requests and /api/requests/:id over rows written straight to the store: exact
// filters, time bounds, keyset pages, parameter errors, and retention on SQLite and Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../helpers/clock.js';
import { RequestsResponse } from '../../src/shared/api-contract.js';
import { insertRequestLog } from '../../src/store/request-log.repo.js';
import type { RequestLogInsert } from '../../src/store/request-log.repo.js';
import { describeAdminRoute } from '../helpers/describe-admin-route.js';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import { postgresStore, sqliteFileStore, startAdminApp, type AdminApp, type Login } from './admin-app.js';

describeAdminRoute({ method: 'GET', path: '/api/requests' });
describeAdminRoute({ method: 'GET', path: '/api/requests/1' });

const pgSkip = await postgresUnavailableReason();
const NOW = Date.parse('2026-12-04T12:00:00Z');

/** A row at `time`; the other columns from `over`. */
const at = (time: string, over: Partial<RequestLogInsert> = {}): RequestLogInsert => ({
  time, key_id: 'ka', key_name: 'key a', model: 'm1', served_model: 'm1', endpoint: 'chat', method: 'POST', stream: 0,
  status: 200, result: 'complete', error: null, duration_ms: 5, prompt_tokens: null, completion_tokens: null, cached_tokens: null,
  reasoning_tokens: null, ttft_ms: null, backend: null, client_ip: null, user_agent: null, session_id: null, capped: null,
  aliased: 0, thinking: null, request_body: null, request_truncated: 0, response_body: null, response_truncated: 0, request_id: null, usage_estimated: 0, route: null, path: '/v1/chat/completions', error_message: null, queued_ms: null, ...over,
});

for (const database of ['sqlite', 'postgres'] as const) {
  describe.skipIf(database === 'postgres' && pgSkip !== undefined)(`GET /api/requests (${database})`, () => {
    let app: AdminApp;
    let s: Login;
    const clock = fixedClock(NOW);
    beforeAll(async () => {
      app = await startAdminApp({ clock, storeSpec: database === 'postgres' ? postgresStore() : sqliteFileStore() });
      s = await app.login();
      await insertRequestLog(app.store, [
        at('2026-12-04T11:58:10.000Z'),
        at('2026-12-04T11:59:05.000Z', { key_id: 'kb', key_name: 'key b', status: 502, result: 'upstream-error', error: 'upstream_error', stream: 1, prompt_tokens: 10, completion_tokens: 3, usage_estimated: 1 }),
        at('2026-12-04T11:59:30.000Z', { model: 'alias', served_model: 'm2', aliased: 1 }),
        at('2026-12-04T11:59:30.000Z', { status: 401, key_id: null, key_name: null, model: null, served_model: null, result: 'rejected', error: 'unauthorized' }),
        at('2026-12-04T11:59:59.999Z', { status: 429, result: 'rejected', error: 'rate_limited' }),
        at('2026-12-04T12:00:00.000Z', { status: 400, result: 'rejected', error: 'invalid_request' }),
      ]);
    });
    afterAll(async () => {
      await app?.close();
    });
    const get = async (query: string) => {
      const r = await app.request('GET', `/api/requests${query}`, { cookie: s.cookie });
      return { status: r.status, json: r.json as RequestsResponse & { error?: string } };
    };
    const times = async (query: string) => {
      const r = await get(query);
      expect(r.status).toBe(200);
      expect(RequestsResponse.parse(r.json)).toEqual(r.json);
      return r.json.requests.map((x) => `${x.time.slice(11, 23)} ${x.status}`);
    };

    it('lists newest first; ties in time by id, newest first', async () => {
      expect(await times('')).toEqual([
        '12:00:00.000 400', '11:59:59.999 429', '11:59:30.000 401', '11:59:30.000 200', '11:59:05.000 502', '11:58:10.000 200',
      ]);
    });

    it('filters by key, model (as requested), status, status class and errors', async () => {
      expect(await times('?key_id=kb')).toEqual(['11:59:05.000 502']);
      expect(await times('?model=m2')).toEqual([]);
      expect(await times('?model=alias')).toEqual(['11:59:30.000 200']);
      expect(await times('?status=200')).toEqual(['11:59:30.000 200', '11:58:10.000 200']);
      expect(await times('?status=4xx')).toEqual(['12:00:00.000 400', '11:59:59.999 429', '11:59:30.000 401']);
      expect(await times('?status=5xx')).toEqual(['11:59:05.000 502']);
      expect(await times('?status=2xx')).toEqual(['11:59:30.000 200', '11:58:10.000 200']);
      expect(await times('?status=3xx')).toEqual([]);
      expect(await times('?status=errors&key_id=ka')).toEqual(['12:00:00.000 400', '11:59:59.999 429']);
    });

    it('says which token counts are the gateway estimate', async () => {
      const estimated = await get('?key_id=kb');
      expect(estimated.json.requests[0]).toMatchObject({ stream: true, prompt_tokens: 10, completion_tokens: 3, usage_estimated: true });
      const reported = await get('?model=alias');
      expect(reported.json.requests[0]).toMatchObject({ usage_estimated: false });
    });

    it('bounds time by the minute: from inclusive, to exclusive, UTC unless an offset is given', async () => {
      expect(await times('?from=2026-12-04T11:59&to=2026-12-04T12:00')).toEqual(['11:59:59.999 429', '11:59:30.000 401', '11:59:30.000 200', '11:59:05.000 502']);
      expect(await times('?from=2026-12-04T13:00%2B01:00')).toEqual(['12:00:00.000 400']);
      expect(await times('?to=2026-12-04T11:59:05Z')).toEqual(['11:58:10.000 200']);
    });

    it('pages with a cursor: every row once, in order, the last page without a cursor', async () => {
      const first = await get('?limit=4');
      expect(first.json.requests).toHaveLength(4);
      expect(first.json.next_cursor).toBe(`2026-12-04T11:59:30.000Z_${first.json.requests[3]!.id}`);
      const second = await get(`?limit=4&cursor=${encodeURIComponent(first.json.next_cursor!)}`);
      expect(second.json.requests.map((r) => `${r.time.slice(11, 23)} ${r.status}`)).toEqual(['11:59:05.000 502', '11:58:10.000 200']);
      expect(second.json.next_cursor).toBeNull();
      const exact = await get('?limit=6');
      expect(exact.json.next_cursor).toBeNull();
    });

    it('answers 400 with a precise message for a bad parameter', async () => {
      const cases: [string, string][] = [
        ['?limit=0', 'limit must be an integer from 1 to 500'],
        ['?limit=501', 'limit must be an integer from 1 to 500'],
        ['?limit=ten', 'limit must be an integer from 1 to 500'],
        ['?status=600', 'status must be an HTTP status (100-599), errors, 2xx, 3xx, 4xx or 5xx'],
        ['?status=failed', 'status must be an HTTP status (100-599), errors, 2xx, 3xx, 4xx or 5xx'],
        ['?from=yesterday', 'from must be an ISO 8601 time, e.g. 2026-12-04T18:22Z (UTC unless an offset is given)'],
        ['?to=2026-13-01T00:00', 'to must be an ISO 8601 time, e.g. 2026-12-04T18:22Z (UTC unless an offset is given)'],
        ['?from=2026-12-04T12:00&to=2026-12-04T11:00', 'from must be before to'],
        ['?cursor=abc', 'cursor must be the next_cursor of a previous answer'],
        ['?cursor=2026-02-30T00:00:00.000Z_1', 'cursor must be the next_cursor of a previous answer'],
        ['?key_id=', 'key_id must not be empty'],
        ['?key_id=a&key_id=b', 'key_id must be one key id'],
      ];
      for (const [query, error] of cases) expect({ query, ...(await get(query)) }).toEqual({ query, status: 400, json: { error } });
    });

    it('GET /api/requests/:id: one row; 404 for an unknown id, 400 for a malformed one', async () => {
      const [newest] = (await get('?limit=1')).json.requests;
      const one = await app.request('GET', `/api/requests/${newest!.id}`, { cookie: s.cookie });
      expect(one.status).toBe(200);
      expect(one.json).toEqual({ ...newest, request_body: null, request_truncated: false, response_body: null, response_truncated: false });
      const missing = await app.request('GET', '/api/requests/999999', { cookie: s.cookie });
      expect({ status: missing.status, json: missing.json }).toEqual({ status: 404, json: { error: 'Request not found' } });
      const bad = await app.request('GET', '/api/requests/x1', { cookie: s.cookie });
      expect({ status: bad.status, json: bad.json }).toEqual({ status: 400, json: { error: 'id must be a log row id (a positive integer; a request id req_… goes in GET /api/requests?request_id=)' } });
    });

    it('prunes rows older than REQUEST_LOG_DAYS (14 by default)', async () => {
      await insertRequestLog(app.store, [at('2026-11-20T11:59:59.999Z', { status: 418 }), at('2026-11-20T12:00:00.000Z', { status: 419 })]);
      expect(await app.app.requestLog!.writer.prune()).toBe(1);
      expect((await times('?status=4xx')).slice(-1)).toEqual(['12:00:00.000 419']);
      clock.advance(86_400_000);
      expect(await app.app.requestLog!.writer.prune()).toBe(1);
      expect(await times('?status=419')).toEqual([]);
    });
  });
}

describe('request log retention at start-up', () => {
  it('deletes rows older than REQUEST_LOG_DAYS when the gateway starts', async () => {
    const spec = sqliteFileStore();
    const store = await spec.open();
    await insertRequestLog(store, [at('2026-12-01T11:59:59.000Z'), at('2026-12-01T12:00:01.000Z')]);
    await store.close();
    const app = await startAdminApp({ clock: fixedClock(NOW), storeSpec: spec, env: { REQUEST_LOG_DAYS: '3' } });
    try {
      const s = await app.login();
      let rows: RequestsResponse['requests'] = [];
      for (let i = 0; i < 50 && rows.length !== 1; i++) {
        rows = ((await app.request('GET', '/api/requests', { cookie: s.cookie })).json as RequestsResponse).requests;
        if (rows.length !== 1) await new Promise((r) => setTimeout(r, 20));
      }
      expect(rows.map((r) => r.time)).toEqual(['2026-12-01T12:00:01.000Z']);
    } finally {
      await app.close();
      await spec.dispose();
    }
  });
});
