// Seed 003/004: a connection that cannot be made is retried once, then 503 `Backend
// unavailable`. The data plane is served on a real port against the simulator; the TCP
// connector is wrapped so a test decides which connection attempts fail.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { buildConnector, errors } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import type { UsageCounts } from '../../src/data-plane/context.js';
import { createDataPlane, type DataPlane } from '../../src/data-plane/routes.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { CHAT_BODY, postJson } from './support.js';

type Failure = 'refused' | 'timeout';

interface Rig {
  readonly url: string;
  readonly sim: Simulator;
  readonly commits: UsageCounts[];
  /** Connection attempts made since the test armed the failures. */
  attempts(): number;
  /** The next `n` connection attempts fail this way. */
  fail(n: number, how: Failure): Promise<void>;
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const sim = createSimulator();
  await sim.listen(0, '127.0.0.1');
  const real = buildConnector({ timeout: 10_000 });
  let attempts = 0;
  let failing = 0;
  let how: Failure = 'refused';
  const sockets: Socket[] = [];
  const connector: buildConnector.connector = (opts, cb) => {
    attempts++;
    if (failing > 0) {
      failing--;
      const err = how === 'timeout' ? new errors.ConnectTimeoutError() : Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      cb(err, null);
      return;
    }
    real(opts, (...args) => {
      if (args[1] !== null) sockets.push(args[1]);
      cb(...args);
    });
  };
  const commits: UsageCounts[] = [];
  const dp: DataPlane = createDataPlane({
    config: loadConfig({ VLLM_BASE_URL: sim.url, LOG_LEVEL: 'silent' }),
    keys: { findActiveByHash: async () => ({ id: 'key-1', name: 'k' }) },
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
    async fail(n, kind) {
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
      expect(r.commits).toEqual([{ promptTokens: 0, completionTokens: 0 }]);
    });
  }

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
});
