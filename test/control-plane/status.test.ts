import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../helpers/clock.js';
import { StatusResponse } from '../../src/shared/api-contract.js';
import { GATEWAY_VERSION } from '../../src/server/version.js';
import { describeAdminRoute } from '../helpers/describe-admin-route.js';
import { startAdminApp, type AdminApp } from './admin-app.js';

describeAdminRoute({ method: 'GET', path: '/api/status' });

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** A stand-in backend answering /v1/models, counting calls and recording the auth header. */
async function fakeBackend(status = 200): Promise<{ url: string; calls: string[] }> {
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    calls.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: [{ id: 'DeepSeek-V4-Pro', object: 'model' }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

async function start(env: Record<string, string>, clock = fixedClock(Date.parse('2026-07-01T00:00:00Z'))): Promise<AdminApp> {
  const app = await startAdminApp({ env, clock });
  closers.push(() => app.close());
  return app;
}

describe('GET /api/status', () => {
  it('reports the live model, backend reachability and latency, version, uptime and in-flight requests', async () => {
    const backend = await fakeBackend();
    const clock = fixedClock(Date.parse('2026-07-01T00:00:00Z'));
    // Engine-metrics scrapes (GET /metrics) are kept out of the count: this test is about the status probe.
    const app = await start({ VLLM_BASE_URL: backend.url, VLLM_API_KEY: 'backend-secret', PROXY_HEALTH_INTERVAL: '3600' }, clock);
    const s = await app.login();
    clock.advance(90_500);
    const r = await app.request('GET', '/api/status', { cookie: s.cookie });
    expect(r.status).toBe(200);
    const body = StatusResponse.parse(r.json);
    expect(body).toEqual({
      model: 'DeepSeek-V4-Pro',
      backend: { reachable: true, latency_ms: expect.any(Number), model: 'DeepSeek-V4-Pro', checked_at: '2026-07-01T00:01:30.500Z' },
      models: [{ id: 'DeepSeek-V4-Pro', replicas: 1, up: 1 }],
      replicas_out: 0,
      version: GATEWAY_VERSION,
      started_at: '2026-07-01T00:00:00.000Z',
      uptime_seconds: 90,
      in_flight: 0,
      store: { reachable: true, error: null, file_problem: null, write_error: null },
      limit_counters: { where: 'process', reachable: true, error: null },
      usage_spool: { entries: 0, oldest_age_seconds: null },
    });
    expect(body.backend.latency_ms).toBeGreaterThanOrEqual(0);
    expect(new Set(backend.calls)).toEqual(new Set(['GET /v1/models Bearer backend-secret', 'GET /metrics Bearer backend-secret']));
    // Cached briefly: a second look within five seconds does not probe again.
    const modelCalls = (): number => backend.calls.filter((c) => c.startsWith('GET /v1/models')).length;
    const probes = modelCalls();
    clock.advance(4000);
    await app.request('GET', '/api/status', { cookie: s.cookie });
    expect(modelCalls()).toBe(probes);
    clock.advance(1000);
    const fresh = StatusResponse.parse((await app.request('GET', '/api/status', { cookie: s.cookie })).json);
    expect(modelCalls()).toBe(probes + 1);
    expect(fresh.backend.checked_at).toBe('2026-07-01T00:01:35.500Z');
  });

  it('reports an unreachable backend without failing', async () => {
    const app = await start({ VLLM_BASE_URL: 'http://127.0.0.1:1' });
    const s = await app.login();
    const r = await app.request('GET', '/api/status', { cookie: s.cookie });
    expect(r.status).toBe(200);
    expect(StatusResponse.parse(r.json)).toMatchObject({ model: null, backend: { reachable: false, latency_ms: null, model: null } });
  });

  it('reports a backend answering an error as unreachable', async () => {
    const backend = await fakeBackend(500);
    const app = await start({ VLLM_BASE_URL: backend.url });
    const s = await app.login();
    const r = StatusResponse.parse((await app.request('GET', '/api/status', { cookie: s.cookie })).json);
    expect(r.backend).toMatchObject({ reachable: false, model: null });
  });
});
