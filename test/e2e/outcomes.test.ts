// The RequestObserver port (metrics, request logs): one report per /v1 request, once its
// response is over, saying how it ended. The data plane runs on a real port against the
// simulator, with stub key and usage ports.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/core/api-key.js';
import { systemClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import type { RequestOutcome } from '../../src/data-plane/context.js';
import { createDataPlane, type DataPlane } from '../../src/data-plane/routes.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { CHAT_BODY, MESSAGES_BODY, frames, postJson, rawRequest, readAll, readUntil, reportedUsage, simId, until } from './support.js';

describe('request outcomes', () => {
  let sim: Simulator;
  let dp: DataPlane;
  let server: Server;
  let url: string;
  const outcomes: RequestOutcome[] = [];
  beforeAll(async () => {
    sim = createSimulator();
    await sim.listen(0, '127.0.0.1');
    dp = createDataPlane({
      config: loadConfig({ VLLM_BASE_URL: sim.url, LOG_LEVEL: 'silent', PROXY_STREAM_READ_TIMEOUT: '0.3', PROXY_NONSTREAM_READ_TIMEOUT: '0.3' }),
      keys: { findByHash: async (h) => (h === hashApiKey('good') ? { id: 'key-1', name: 'k' } : undefined) },
      usage: { commit: async () => undefined },
      clock: systemClock,
      observer: { onRequestEnd: (o) => outcomes.push(o) },
    });
    await dp.ready();
    server = createServer((req, res) => dp.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await dp?.close();
    await sim?.close();
  });
  beforeEach(() => {
    outcomes.length = 0;
  });

  const last = async (): Promise<RequestOutcome> => {
    await until(() => outcomes.length > 0);
    expect(outcomes).toHaveLength(1);
    return outcomes[0]!;
  };

  it('a completed JSON request: status, key, usage, timings', async () => {
    const res = await postJson(url, '/v1/chat/completions', 'good', CHAT_BODY);
    const usage = reportedUsage(await res.text())!;
    const o = await last();
    expect(o).toMatchObject({ endpoint: 'chat', method: 'POST', status: 200, stream: false, keyId: 'key-1', usage, result: 'complete' });
    expect(o.ttfbMs).toBeGreaterThanOrEqual(0);
    expect(o.durationMs).toBeGreaterThanOrEqual(o.ttfbMs!);
    expect(dp.inFlight()).toBe(0);
  });

  it('a rejected request: 401, no key, no backend', async () => {
    const res = await postJson(url, '/v1/messages', 'bad', MESSAGES_BODY);
    await res.arrayBuffer();
    expect(await last()).toMatchObject({ endpoint: 'messages', status: 401, keyId: undefined, usage: undefined, ttfbMs: undefined, result: 'rejected' });
  });

  it('a stream the client abandoned: aborted, with the usage reported so far', async () => {
    const r = await rawRequest(url, {
      method: 'POST',
      path: '/v1/messages',
      headers: { authorization: 'Bearer good', 'content-type': 'application/json', 'x-sim-hold': 'o-abort', 'x-sim-hold-after': '2' },
      body: JSON.stringify({ ...MESSAGES_BODY, stream: true }),
    });
    await sim.waitForHold('o-abort');
    const seen = await readUntil(r.res, (t) => frames(t).length >= 2);
    const rec = sim.getRequest(simId(r.headers))!;
    expect(dp.inFlight()).toBe(1);
    r.res.destroy();
    expect(await rec.closed).toBe('aborted');
    sim.release('o-abort');
    expect(await last()).toMatchObject({ endpoint: 'messages', stream: true, status: 200, result: 'aborted', usage: reportedUsage(frames(seen)[0]!) });
    expect(dp.inFlight()).toBe(0);
  });

  it('a request whose client leaves before any answer: 499 (client closed request), aborted', async () => {
    const req = request(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer good', 'content-type': 'application/json', 'x-sim-fault': 'stall-headers' },
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify(CHAT_BODY));
    await until(() => dp.inFlight() === 1);
    await new Promise((r) => setTimeout(r, 50)); // forwarded, waiting for the stalled head
    req.destroy();
    expect(await last()).toMatchObject({ endpoint: 'chat', status: 499, result: 'aborted', keyId: 'key-1', ttfbMs: undefined });
    expect(dp.inFlight()).toBe(0);
  });

  for (const [path, body] of [['/v1/chat/completions', CHAT_BODY], ['/v1/messages', MESSAGES_BODY]] as const) {
    it(`a stream the backend ends with an error event of its own (${path}): 200, upstream-error, the usage so far`, async () => {
      const res = await postJson(url, path, 'good', { ...body, stream: true }, { 'x-sim-fault': 'error:4' });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('Simulated error during generation');
      expect(await last()).toMatchObject({ status: 200, stream: true, result: 'upstream-error', error: undefined });
    });
  }

  it('a backend timeout before the first byte: 504, upstream-error', async () => {
    const res = await postJson(url, '/v1/chat/completions', 'good', CHAT_BODY, { 'x-sim-fault': 'stall-headers' });
    await res.arrayBuffer();
    expect(await last()).toMatchObject({ status: 504, result: 'upstream-error', ttfbMs: undefined });
  });

  it('a stream that fails midway: 200, upstream-error', async () => {
    const r = await rawRequest(url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: 'Bearer good', 'content-type': 'application/json', 'x-sim-fault': 'stall:2' },
      body: JSON.stringify({ ...CHAT_BODY, stream: true }),
    });
    await readAll(r.res);
    expect(await last()).toMatchObject({ status: 200, stream: true, result: 'upstream-error' });
  });
});
