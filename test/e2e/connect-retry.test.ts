// A connection that cannot be made is retried once, then 503 `Backend
// unavailable`. The data plane is served on a real port against the simulator; the TCP
// connector is wrapped so a test decides which connection attempts fail.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { buildConnector, errors } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import type { UsageCounts } from '../../src/data-plane/context.js';
import { createDataPlane, type DataPlane } from '../../src/data-plane/routes.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { CHAT_BODY, closedPortUrl, embeddingsBody, postJson, rawRequest, readAll, startUpload } from './support.js';

type Failure = 'refused' | 'timeout';

interface Rig {
  readonly url: string;
  readonly sim: Simulator;
  readonly commits: UsageCounts[];
  /** Connection attempts made since the test armed the failures. */
  attempts(): number;
  /** The next `n` connection attempts fail this way, after `delayMs` (a slow refusal). */
  fail(n: number, how: Failure, delayMs?: number): Promise<void>;
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const sim = createSimulator();
  await sim.listen(0, '127.0.0.1');
  const real = buildConnector({ timeout: 10_000 });
  let attempts = 0;
  let failing = 0;
  let how: Failure = 'refused';
  let delay = 0;
  const sockets: Socket[] = [];
  const connector: buildConnector.connector = (opts, cb) => {
    attempts++;
    if (failing > 0) {
      failing--;
      const err = how === 'timeout' ? new errors.ConnectTimeoutError() : Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      if (delay > 0) setTimeout(cb, delay, err, null);
      else cb(err, null);
      return;
    }
    real(opts, (...args) => {
      if (args[1] !== null) sockets.push(args[1]);
      cb(...args);
    });
  };
  const commits: UsageCounts[] = [];
  const dp: DataPlane = createDataPlane({
    // No /tokenize round trip: each test counts the connections its one request makes.
    config: loadConfig({ VLLM_BASE_URL: sim.url, LOG_LEVEL: 'silent', PROXY_TOKENIZE_ESTIMATE: 'off' }),
    keys: { findByHash: async () => ({ id: 'key-1', name: 'k' }) },
    usage: {
      commit: async (_id, usage) => {
        commits.push(usage);
      },
    },
    clock: systemClock,
    connector,
  });
  await dp.ready();
  const server: Server = createServer((req, res) => dp.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sim.clearRequests();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sim,
    commits,
    attempts: () => attempts,
    async fail(n, kind, delayMs = 0) {
      // Close the pooled keep-alive connections so the next request has to connect.
      // (undici's own 'close' listener was registered first, so it has run once ours does.)
      await Promise.all(
        sockets.splice(0).map((socket) => {
          const closed = once(socket, 'close');
          socket.destroy();
          return closed;
        }),
      );
      attempts = 0;
      failing = n;
      how = kind;
      delay = delayMs;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await dp.close();
      await sim.close();
    },
  };
}

describe('connect retry', () => {
  let r: Rig | undefined;
  let stack: Stack | undefined;
  afterEach(async () => {
    await r?.close();
    await stack?.close();
    r = undefined;
    stack = undefined;
  });

  it('uses a 10 s connect timeout by default', () => {
    expect(loadConfig({}).connectTimeoutMs).toBe(10_000);
  });

  for (const how of ['refused', 'timeout'] as const) {
    it(`retries a failed connection (${how}) once and succeeds`, async () => {
      r = await rig();
      await r.fail(1, how);
      const res = await postJson(r.url, '/v1/chat/completions', 'any', CHAT_BODY);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      expect(r.attempts()).toBe(2);
      expect(r.sim.requests.filter((q) => q.path === '/v1/chat/completions')).toHaveLength(1);
    });

    it(`gives up after exactly one retry (${how}) with 503 Backend unavailable, counting a request without tokens`, async () => {
      r = await rig();
      await r.fail(5, how);
      const res = await postJson(r.url, '/v1/chat/completions', 'any', CHAT_BODY);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: { message: 'Backend unavailable', type: 'server_error', code: 503 } });
      expect(r.attempts()).toBe(2);
      expect(r.commits).toEqual([{ promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 }]);
    });

    it(`sends a large streamed body whole again on the retry (${how})`, async () => {
      r = await rig();
      await r.fail(1, how);
      const body = embeddingsBody(2 * 1024 * 1024);
      const res = await rawRequest(r.url, { method: 'POST', path: '/v1/embeddings', headers: { authorization: 'Bearer any', 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
      await readAll(res.res);
      expect(r.attempts()).toBe(2);
      const rec = r.sim.requests.filter((q) => q.path === '/v1/embeddings');
      expect(rec).toHaveLength(1);
      expect(rec[0]!.rawBody.equals(body)).toBe(true);
    });
  }

  it('sends a large shaped body (client bytes plus the rewritten members, in parts) whole again on the retry', async () => {
    r = await rig();
    await r.fail(1, 'refused');
    const text = `{"model": "sim-model", "max_tokens": 1000000, "messages": [{"role": "user", "content": "${'a \\"quoted\\" line\\n'.repeat(3700)}"}]}`;
    // Over the size where serialize-body.ts splices (64 KiB), within the simulator's context.
    expect(text.length).toBeGreaterThan(64 * 1024);
    const res = await rawRequest(r.url, { method: 'POST', path: '/v1/chat/completions', headers: { authorization: 'Bearer any', 'content-type': 'application/json' }, body: text });
    expect(res.status).toBe(200);
    expect(res.headers['x-worv-max-tokens-capped']).toMatch(/^1000000->\d+$/);
    await readAll(res.res);
    expect(r.attempts()).toBe(2);
    const rec = r.sim.requests.filter((q) => q.path === '/v1/chat/completions');
    expect(rec).toHaveLength(1);
    const sent = rec[0]!;
    const cap = Number(String(res.headers['x-worv-max-tokens-capped']).split('->')[1]);
    // Every member but max_tokens is the client's bytes, spacing inside it included.
    expect(sent.rawBody.toString()).toBe(text.replace(', "max_tokens": 1000000, ', `,"max_tokens":${cap},`));
    expect(sent.headers['content-length']).toBe(String(sent.rawBody.length));
  });

  it('replays the part of a streamed body received before a slow connect failure, then the rest', async () => {
    r = await rig();
    await r.fail(1, 'refused', 100);
    const body = embeddingsBody(2 * 1024 * 1024);
    const half = body.length >> 1;
    const req = startUpload(r.url, '/v1/embeddings', 'any', body.length);
    req.write(body.subarray(0, half));
    // The first attempt fails while the client waits; the second one connects and gets the
    // first half replayed before the second half has been sent.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.attempts()).toBe(2);
    req.end(body.subarray(half));
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    expect(res.statusCode).toBe(200);
    await readAll(res);
    const rec = r.sim.requests.filter((q) => q.path === '/v1/embeddings');
    expect(rec).toHaveLength(1);
    expect(rec[0]!.rawBody.equals(body)).toBe(true);
  });

  it('retries on another replica when several are configured', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise((resolve) => dead.close(resolve)); // nothing listens there any more
    stack = await startStack({ env: { VLLM_BASE_URL: `${deadUrl},{sim}` } });
    const { key } = await stack.createKey();
    for (let i = 0; i < 3; i++) {
      const res = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
  });

  it('retries a large streamed body on another replica and sends it whole', async () => {
    stack = await startStack({ env: { VLLM_BASE_URL: `${await closedPortUrl()},{sim}` } });
    const { key } = await stack.createKey();
    const bodies = [embeddingsBody(1024 * 1024), embeddingsBody(1024 * 1024)];
    for (const body of bodies) {
      const res = await rawRequest(stack.gatewayUrl, { method: 'POST', path: '/v1/embeddings', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
      await readAll(res.res);
    }
    const rec = stack.sim.requests.filter((q) => q.path === '/v1/embeddings');
    expect(rec.map((q) => q.rawBody.equals(bodies[rec.indexOf(q)]!))).toEqual([true, true]);
  });
});
