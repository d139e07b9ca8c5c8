// PROXY_LOG_BODIES=on: the request body and the backend's response bytes are stored with the
// row, each cut to its first 64 KiB; off (the default) stores neither; REQUEST_LOG_DAYS=0 keeps
// no log at all.
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestLogDetail, RequestsResponse } from '../../src/shared/api-contract.js';
import { createApiKey } from '../../src/store/api-keys.repo.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { startAdminApp, type AdminApp } from '../control-plane/admin-app.js';
import { CHAT_BODY, postJson, until } from './support.js';

const LIMIT = 64 * 1024;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(env: Record<string, string>, requestLogBodyBytes?: number): Promise<{ app: AdminApp; sim: Simulator; key: string; cookie: string }> {
  const sim = createSimulator();
  await sim.listen(0, '127.0.0.1');
  cleanups.push(() => sim.close());
  const app = await startAdminApp({
    env: { VLLM_BASE_URL: sim.url, PROXY_HEALTH_INTERVAL: '3600', ...env },
    ...(requestLogBodyBytes !== undefined ? { requestLogBodyBytes } : {}),
  });
  cleanups.push(() => app.close());
  await app.app.dataPlane.ready();
  const { key } = (await createApiKey(app.store.db, { name: 'k', createdAt: new Date().toISOString() }))!;
  return { app, sim, key, cookie: (await app.login()).cookie };
}

async function details(app: AdminApp, cookie: string, n: number): Promise<RequestLogDetail[]> {
  let list: RequestsResponse = { requests: [], next_cursor: null };
  await until(async () => (list = (await app.request('GET', '/api/requests', { cookie })).json as RequestsResponse).requests.length >= n);
  return Promise.all(list.requests.map(async (r) => (await app.request('GET', `/api/requests/${r.id}`, { cookie })).json as RequestLogDetail));
}

describe('request bodies in the log', () => {
  it('PROXY_LOG_BODIES=on: the client body and the response as the backend sent it, JSON and streamed', async () => {
    const { app, key, cookie } = await start({ PROXY_LOG_BODIES: 'on' });
    const sent = JSON.stringify(CHAT_BODY);
    const json = await postJson(app.url, '/v1/chat/completions', key, sent);
    const jsonText = await json.text();
    const streamSent = JSON.stringify({ ...CHAT_BODY, stream: true });
    const stream = await postJson(app.url, '/v1/chat/completions', key, streamSent, { 'x-sim-tokens': '4' });
    const streamText = await stream.text();
    const [s, j] = await details(app, cookie, 2);
    expect(j).toMatchObject({ stream: false, request_body: sent, request_truncated: false, response_body: jsonText, response_truncated: false });
    expect(s).toMatchObject({ stream: true, request_body: streamSent, request_truncated: false, response_truncated: false });
    // The stream as the backend sent it: the client's copy only lacks the usage chunk the gateway asked for itself.
    expect(s!.response_body!.startsWith(streamText.slice(0, streamText.indexOf('\n\n')))).toBe(true);
    expect(s!.response_body).toContain('data: [DONE]');
  });

  it('keeps only the first 64 KiB of a long body, marked truncated', async () => {
    const { app, key, cookie } = await start({ PROXY_LOG_BODIES: 'on' });
    const long = JSON.stringify({ ...CHAT_BODY, messages: [{ role: 'user', content: 'x'.repeat(100_000) }] });
    const res = await postJson(app.url, '/v1/chat/completions', key, long);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const [row] = await details(app, cookie, 1);
    expect(row!.request_truncated).toBe(true);
    expect(row!.request_body).toBe(long.slice(0, LIMIT));
  });

  it('while the store refuses rows, queued bodies stay under their budget: later requests are kept without them', async () => {
    const { app, key, cookie } = await start({ PROXY_LOG_BODIES: 'on' }, 100_000);
    await sql`ALTER TABLE request_log RENAME TO request_log_away`.execute(app.store.db);
    const sent = JSON.stringify({ ...CHAT_BODY, messages: [{ role: 'user', content: 'x'.repeat(40_000) }] });
    for (let i = 0; i < 3; i++) {
      const res = await postJson(app.url, '/v1/chat/completions', key, sent);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const writer = app.app.requestLog!.writer;
    await until(() => writer.stats().queued === 3);
    expect(writer.stats().weight).toBeLessThanOrEqual(100_000);
    await sql`ALTER TABLE request_log_away RENAME TO request_log`.execute(app.store.db);
    const rows = await details(app, cookie, 3);
    expect(rows.map((r) => [r.request_body === sent, r.request_truncated, r.response_body === null, r.response_truncated])).toEqual([
      [false, true, true, true],
      [true, false, false, false],
      [true, false, false, false],
    ]);
    expect(writer.stats()).toEqual({ queued: 0, dropped: 0, weight: 0 });
  });

  it('off by default: no bodies stored', async () => {
    const { app, key, cookie } = await start({});
    await (await postJson(app.url, '/v1/chat/completions', key, CHAT_BODY)).arrayBuffer();
    const [row] = await details(app, cookie, 1);
    expect(row).toMatchObject({ status: 200, request_body: null, response_body: null, request_truncated: false, response_truncated: false });
  });

  it('REQUEST_LOG_DAYS=0: no request log (the API lists nothing)', async () => {
    const { app, key, cookie } = await start({ REQUEST_LOG_DAYS: '0', PROXY_LOG_BODIES: 'on' });
    expect(app.app.requestLog).toBeUndefined();
    await (await postJson(app.url, '/v1/chat/completions', key, CHAT_BODY)).arrayBuffer();
    await new Promise((r) => setTimeout(r, 100));
    expect((await app.request('GET', '/api/requests', { cookie })).json).toEqual({ requests: [], next_cursor: null });
  });
});
