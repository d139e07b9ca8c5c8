// The request log end to end: the real gateway (createApp) over the simulator, on SQLite and on
// Postgres; every /v1 request becomes exactly one row, read back through GET /api/requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogDetail, RequestLogEntry, RequestsResponse } from '../../src/shared/api-contract.js';
import { createApiKey } from '../../src/store/api-keys.repo.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { postgresStore, sqliteFileStore, startAdminApp, type AdminApp, type Login } from '../control-plane/admin-app.js';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import { CHAT_BODY, closedPortUrl, postJson, until } from './support.js';

const pgSkip = await postgresUnavailableReason();

/** The columns that vary from run to run, checked for shape and then left out. */
function fixed(r: RequestLogEntry): Omit<RequestLogEntry, 'id' | 'time' | 'ttft_ms' | 'duration_ms' | 'request_id'> {
  expect(r.id).toBeGreaterThan(0);
  expect(r.request_id).toMatch(/^req_[0-9a-z]{9}[0-9a-f]{8}$/);
  expect(Date.parse(r.time)).toBeGreaterThan(Date.now() - 60_000);
  expect(r.duration_ms).toBeGreaterThanOrEqual(0);
  if (r.ttft_ms !== null) expect(r.ttft_ms).toBeLessThanOrEqual(r.duration_ms);
  const { id: _id, time: _time, ttft_ms: _ttft, duration_ms: _duration, request_id: _requestId, ...rest } = r;
  return rest;
}

const BASE = {
  method: 'POST', stream: false, result: 'complete', error: null, error_message: null, queued_ms: null, client_ip: '127.0.0.1', user_agent: 'rl-test/1',
  session_id: null, capped: null, aliased: false, thinking: null,
  prompt_tokens: null, completion_tokens: null, cached_tokens: null, reasoning_tokens: null, usage_estimated: false,
} as const;

for (const database of ['sqlite', 'postgres'] as const) {
  describe.skipIf(database === 'postgres' && pgSkip !== undefined)(`request log (${database})`, () => {
    let sim: Simulator;
    let app: AdminApp;
    let s: Login;
    let key: { id: string; key: string };
    beforeAll(async () => {
      sim = createSimulator();
      await sim.listen(0, '127.0.0.1');
      app = await startAdminApp({
        storeSpec: database === 'postgres' ? postgresStore() : sqliteFileStore(),
        env: { VLLM_BASE_URL: sim.url, PROXY_HEALTH_INTERVAL: '3600', PROXY_ALIAS_MODEL: 'sim-model', PROXY_ALIAS_SOURCES: 'old-model', PROXY_MODEL_PROFILE: 'glm-5' },
      });
      await app.app.dataPlane.ready();
      s = await app.login();
      key = (await createApiKey(app.store.db, { name: 'laptop', createdAt: new Date().toISOString() }))!;
    });
    afterAll(async () => {
      await app?.close();
      await sim?.close();
    });

    const list = async (query: string): Promise<RequestsResponse> => {
      const r = await app.request('GET', `/api/requests${query}`, { cookie: s.cookie });
      expect(r.status).toBe(200);
      return r.json as RequestsResponse;
    };
    /** The newest row, once the request that made it has ended and been counted `n` rows in. */
    const newest = async (n: number): Promise<RequestLogEntry> => {
      let page: RequestsResponse | undefined;
      await until(async () => (page = await list(`?limit=${REQUESTS}`)).requests.length >= n);
      expect(page!.requests).toHaveLength(n);
      return page!.requests[0]!;
    };
    const REQUESTS = 100;
    let count = 0;
    const headers = { 'user-agent': 'rl-test/1' };

    it('a successful JSON request: key, models as requested and served, tokens, shaping, session, backend', async () => {
      const res = await postJson(app.url, '/v1/chat/completions', key.key, { ...CHAT_BODY, model: 'old-model', max_tokens: 1_000_000, reasoning_effort: 'high' }, {
        ...headers,
        'x-claude-code-session-id': 'sess-42',
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
      const capped = res.headers.get('x-worv-max-tokens-capped');
      expect(capped).toMatch(/^1000000->\d+$/);
      const row = await newest(++count);
      expect(fixed(row)).toEqual({
        ...BASE,
        key_id: key.id, key_name: 'laptop', model: 'old-model', served_model: 'sim-model', endpoint: 'chat', path: '/v1/chat/completions', status: 200,
        prompt_tokens: body.usage.prompt_tokens, completion_tokens: body.usage.completion_tokens, cached_tokens: 0, reasoning_tokens: 0,
        backend: sim.url, route: 'only', session_id: 'sess-42', capped, aliased: true, thinking: 'high',
      });
      expect(row.ttft_ms).not.toBeNull();
      // The id the client got back finds its row.
      expect(row.request_id).toBe(res.headers.get('x-request-id'));
      expect((await list(`?request_id=${row.request_id}`)).requests.map((r) => r.id)).toEqual([row.id]);
    });

    it('a streamed request: stream, tokens from the stream, Codex session header', async () => {
      const res = await postJson(app.url, '/v1/chat/completions', key.key, { ...CHAT_BODY, stream: true, stream_options: { include_usage: true } }, {
        ...headers,
        session_id: 'codex-7',
        'x-sim-tokens': '5',
        'x-sim-reasoning-tokens': '3',
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      type Usage = { prompt_tokens: number; completion_tokens: number; completion_tokens_details?: { reasoning_tokens: number } };
      const events = text.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)) as { usage?: Usage | null });
      const usage = events.map((e) => e.usage).filter((u) => u !== undefined && u !== null).at(-1)!;
      const row = await newest(++count);
      expect(fixed(row)).toEqual({
        ...BASE,
        key_id: key.id, key_name: 'laptop', model: 'sim-model', served_model: 'sim-model', endpoint: 'chat', path: '/v1/chat/completions', stream: true, status: 200,
        prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, cached_tokens: 0,
        reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0, backend: sim.url, route: 'only', session_id: 'codex-7',
      });
      expect(usage.completion_tokens).toBe(8);
    });

    it('a backend that drops the connection: 502 upstream_error, the request counted', async () => {
      const res = await postJson(app.url, '/v1/chat/completions', key.key, CHAT_BODY, { ...headers, 'x-sim-fault': 'drop', 'x-openwebui-user-id': 'owui-1' });
      expect(res.status).toBe(502);
      await res.arrayBuffer();
      expect(fixed(await newest(++count))).toEqual({
        ...BASE,
        key_id: key.id, key_name: 'laptop', model: 'sim-model', served_model: 'sim-model', endpoint: 'chat', path: '/v1/chat/completions', status: 502,
        result: 'upstream-error', error: 'upstream_error', error_message: 'Backend request failed', backend: sim.url, route: 'only', session_id: 'owui-1', prompt_tokens: null,
      });
    });

    it('a bad key: 401 unauthorized, no key, nothing forwarded', async () => {
      const res = await postJson(app.url, '/v1/messages', 'wp-not-a-key', { ...CHAT_BODY, max_tokens: 10 }, headers);
      expect(res.status).toBe(401);
      await res.arrayBuffer();
      const row = await newest(++count);
      expect(fixed(row)).toEqual({
        ...BASE,
        key_id: null, key_name: null, model: null, served_model: null, endpoint: 'messages', path: '/v1/messages', status: 401,
        result: 'rejected', error: 'unauthorized', error_message: 'Unauthorized', backend: null, route: null,
      });
      expect(row.ttft_ms).toBeNull();
      // On the Anthropic surface the id is in `request-id`, where Anthropic's SDKs read it.
      expect([res.headers.get('request-id'), res.headers.get('x-request-id')]).toEqual([row.request_id, null]);
      expect((await list(`?request_id=${row.request_id}`)).requests.map((r) => r.status)).toEqual([401]);
      expect((await list('?request_id=req_00000000000000000')).requests).toEqual([]);
      const bad = await app.request('GET', '/api/requests?request_id=chatcmpl-1', { cookie: s.cookie });
      expect([bad.status, bad.json]).toEqual([400, { error: 'request_id must be one request id (req_…, from x-request-id or request-id)' }]);
      // One replica's requests (a trailing slash as pasted from a browser is dropped): not the 401, never sent.
      const served = await list(`?backend=${encodeURIComponent(`${sim.url}/`)}&limit=${REQUESTS}`);
      expect(served.requests.map((r) => r.backend)).toEqual([sim.url, sim.url, sim.url]);
      expect((await list('?backend=http%3A%2F%2F127.0.0.1%3A1')).requests).toEqual([]);
      const empty = await app.request('GET', '/api/requests?backend=%2F', { cookie: s.cookie });
      expect([empty.status, empty.json]).toEqual([400, { error: 'backend must not be empty' }]);
    });

    it('a malformed body: 400 invalid_request under the key and the model it names', async () => {
      const res = await postJson(app.url, '/v1/chat/completions', key.key, { model: 'sim-model', messages: 'nope' }, headers);
      expect(res.status).toBe(400);
      await res.arrayBuffer();
      expect(fixed(await newest(++count))).toEqual({
        ...BASE,
        key_id: key.id, key_name: 'laptop', model: 'sim-model', served_model: null, endpoint: 'chat', path: '/v1/chat/completions', status: 400,
        result: 'rejected', error: 'invalid_request', error_message: 'messages must be an array', backend: null, route: null,
      });
    });

    it('filters by key, model and status, and pages newest first', async () => {
      const errors = await list(`?status=errors&key_id=${key.id}`);
      expect(errors.requests.map((r) => r.status)).toEqual([400, 502]);
      expect((await list('?status=401')).requests.map((r) => r.endpoint)).toEqual(['messages']);
      expect((await list('?model=old-model')).requests.map((r) => r.status)).toEqual([200]);
      expect((await list('?model=sim-model')).requests.map((r) => r.status)).toEqual([400, 502, 200]);
      const all = (await list('')).requests.map((r) => r.id);
      const ids: number[] = [];
      let cursor: string | null = null;
      do {
        const page: RequestsResponse = await list(`?limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
        expect(page.requests.length).toBeLessThanOrEqual(2);
        ids.push(...page.requests.map((r) => r.id));
        cursor = page.next_cursor;
      } while (cursor !== null);
      expect(ids).toEqual(all);
      expect(ids).toHaveLength(count);
      const minute = (await list('')).requests[0]!.time.slice(0, 16);
      const inMinute = await list(`?key_id=${key.id}&status=errors&from=${minute}Z&to=${new Date(Date.parse(`${minute}Z`) + 60_000).toISOString()}`);
      expect(inMinute.requests.every((r) => r.status >= 400 && r.key_id === key.id)).toBe(true);
    });

    it('embeddings, forwarded as bytes without their model read: logged under the model that answered, its tokens counted', async () => {
      const res = await postJson(app.url, '/v1/embeddings', key.key, { model: 'sim-model', input: 'hello there' }, headers);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { model: string; usage: { prompt_tokens: number } };
      expect(body.model).toBe('sim-model');
      const row = await newest(++count);
      expect([row.endpoint, row.model, row.served_model, row.status, row.prompt_tokens, row.completion_tokens]).toEqual(['embeddings', 'sim-model', 'sim-model', 200, body.usage.prompt_tokens, 0]);
      expect((await list('?model=sim-model&limit=1')).requests.map((r) => r.id)).toEqual([row.id]);
    });

    it('a path the gateway forwards unread (rerank here): endpoint other, the path without its query says which', async () => {
      const res = await postJson(app.url, '/v1/rerank?api-version=2', key.key, { model: 'sim-model', query: 'q', documents: ['a', 'b'] }, headers);
      expect(res.status).toBe(404); // the simulator serves no rerank: its own 404, relayed
      expect(await res.text()).toBe('{"detail":"Not Found"}');
      const row = await newest(++count);
      expect(row).toMatchObject({ endpoint: 'other', path: '/v1/rerank', method: 'POST', status: 404, result: 'complete', key_id: key.id, backend: sim.url, route: 'only' });
      expect((await list('?status=404')).requests.map((r) => r.path)).toEqual(['/v1/rerank']);
    });

    it('one row by id, without bodies when PROXY_LOG_BODIES is off', async () => {
      const first = (await list('?limit=1')).requests[0]!;
      const r = await app.request('GET', `/api/requests/${first.id}`, { cookie: s.cookie });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ ...first, request_body: null, request_truncated: false, response_body: null, response_truncated: false } satisfies RequestLogDetail);
    });

    it('a NUL character in a logged string (Postgres text refuses it) is stored as U+FFFD and the rows after it are written', async () => {
      const res = await postJson(app.url, '/v1/chat/completions', key.key, { ...CHAT_BODY, model: 'a\u0000b' }, headers);
      expect(res.status).toBe(404);
      await res.arrayBuffer();
      const ok = await postJson(app.url, '/v1/chat/completions', key.key, CHAT_BODY, headers);
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();
      count += 2;
      const page = await list(`?limit=2`);
      expect(page.requests.map((r) => [r.status, r.model])).toEqual([[200, 'sim-model'], [404, 'a\uFFFDb']]);
    });

    it('a stream the backend cuts after its head (200, an error event in the stream) is among the errors', async () => {
      const res = await postJson(app.url, '/v1/chat/completions', key.key, { ...CHAT_BODY, stream: true }, { ...headers, 'x-sim-fault': 'reset:3' });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('"error"');
      const row = await newest(++count);
      expect([row.status, row.result, row.error]).toEqual([200, 'upstream-error', 'upstream_error']);
      const errors = await list(`?status=errors&key_id=${key.id}`);
      expect(errors.requests.map((r) => [r.status, r.result])).toEqual([[200, 'upstream-error'], [404, 'rejected'], [404, 'complete'], [400, 'rejected'], [502, 'upstream-error']]);
    });
  });
}

describe('request log: a backend that is not there', () => {
  it('connection refused: 503 upstream_unreachable with the replica tried', async () => {
    const closed = await closedPortUrl();
    const app = await startAdminApp({ env: { VLLM_BASE_URL: closed, PROXY_CONNECT_TIMEOUT: '1' } });
    try {
      const s = await app.login();
      const key = (await createApiKey(app.store.db, { name: 'k', createdAt: new Date().toISOString() }))!;
      const res = await postJson(app.url, '/v1/chat/completions', key.key, CHAT_BODY);
      expect(res.status).toBe(503);
      await res.arrayBuffer();
      let rows: RequestLogEntry[] = [];
      await until(async () => (rows = ((await app.request('GET', '/api/requests', { cookie: s.cookie })).json as RequestsResponse).requests).length === 1);
      expect(rows[0]).toMatchObject({ key_id: key.id, status: 503, result: 'upstream-error', error: 'upstream_unreachable', backend: closed, route: 'only', ttft_ms: null });
    } finally {
      await app.close();
    }
  });
});
