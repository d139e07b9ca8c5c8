// Several backend replicas, least-outstanding choice, failover before the first
// byte, and health: a replica that refuses connections sits out a cooldown instead of costing
// every request a failed connect. The TCP connector is wrapped to refuse one replica's port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildConnector } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import { createDataPlane, type DataPlane } from '../../src/data-plane/routes.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { CHAT_BODY, postJson } from './support.js';

interface Rig {
  readonly url: string;
  readonly sims: readonly [Simulator, Simulator];
  /** Connection attempts per backend port. */
  readonly attempts: Map<string, number>;
  close(): Promise<void>;
}

/** `refuseFirst`: every connection to the first replica is refused, from the start. */
async function rig(refuseFirst = false): Promise<Rig> {
  const sims = [createSimulator(), createSimulator()] as const;
  for (const s of sims) await s.listen(0, '127.0.0.1');
  const real = buildConnector({ timeout: 10_000 });
  const attempts = new Map<string, number>();
  const refused = refuseFirst ? String(sims[0].port) : undefined;
  const connector: buildConnector.connector = (opts, cb) => {
    const port = String(opts.port);
    attempts.set(port, (attempts.get(port) ?? 0) + 1);
    if (port === refused) {
      cb(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), null);
      return;
    }
    real(opts, cb);
  };
  const dp: DataPlane = createDataPlane({
    // Health probes every minute: within the test only requests and the start-up probes connect.
    config: loadConfig({ VLLM_BASE_URL: sims.map((s) => s.url).join(','), LOG_LEVEL: 'silent', PROXY_HEALTH_INTERVAL: '60' }),
    keys: { findByHash: async () => ({ id: 'key-1', name: 'k' }) },
    usage: { commit: async () => undefined },
    clock: systemClock,
    connector,
  });
  await dp.ready();
  const server: Server = createServer((req, res) => dp.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sims,
    attempts,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await dp.close();
      await Promise.all(sims.map((s) => s.close()));
    },
  };
}

describe('backend replicas', () => {
  let r: Rig | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  it('spreads concurrent requests over both replicas', async () => {
    r = await rig();
    for (const s of r.sims) s.clearRequests();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        postJson(r!.url, '/v1/chat/completions', 'k', CHAT_BODY, { 'x-sim-ttft-ms': '50' }).then(async (res) => {
          await res.arrayBuffer();
          return res.status;
        }),
      ),
    );
    expect(answers).toEqual(Array(8).fill(200));
    const counts = r.sims.map((s) => s.requests.filter((q) => q.path === '/v1/chat/completions').length);
    expect(counts[0]! + counts[1]!).toBe(8);
    expect(counts[0]).toBeGreaterThanOrEqual(3);
    expect(counts[1]).toBeGreaterThanOrEqual(3);
  });

  it('fails over to the other replica before the first byte, then leaves the refusing one alone during its cooldown', async () => {
    r = await rig(true);
    const dead = String(r.sims[0].port);
    // The start-up probes found the first replica refusing.
    expect(r.attempts.get(dead)).toBeGreaterThanOrEqual(1);
    r.attempts.clear();
    for (let i = 0; i < 6; i++) {
      const res = await postJson(r.url, '/v1/chat/completions', 'k', CHAT_BODY);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    // Within the cooldown, no request spends a connect attempt on the refusing replica.
    expect(r.attempts.get(dead)).toBeUndefined();
    expect(r.sims[1].requests.filter((q) => q.path === '/v1/chat/completions')).toHaveLength(6);
  });
});
