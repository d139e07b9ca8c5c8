import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runAgent, runCycle, statsUrl, type AgentOptions } from './agent.js';

const LINE = '0, NVIDIA B200, 97, 171234, 183359, 61, 903.47\n';

interface FakeGateway {
  readonly url: string;
  readonly bodies: unknown[];
  readonly auth: string[];
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

/** A gateway stand-in answering each POST with the next status of `statuses` (then 200). */
async function fakeGateway(statuses: number[]): Promise<FakeGateway> {
  const bodies: unknown[] = [];
  const auth: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(data));
      auth.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      const status = statuses.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"stored":1}' : '{"error":"x"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, auth };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function agent(url: string, extra: Partial<AgentOptions> = {}) {
  const logs: string[] = [];
  const sleeps: number[] = [];
  const opts: AgentOptions = {
    url,
    key: 'wp-k',
    host: 'gpu-1',
    intervalMs: 5000,
    log: (l) => logs.push(l),
    read: async () => LINE,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  };
  return { opts, logs, sleeps };
}

describe('gpu agent', () => {
  it('posts the parsed readings with the key to /api/gpu-stats', async () => {
    const gw = await fakeGateway([]);
    const { opts } = agent(`${gw.url}/`);
    expect(await runCycle(opts, new AbortController().signal)).toBe('ok');
    expect(gw.auth).toEqual(['POST /api/gpu-stats Bearer wp-k']);
    expect(gw.bodies).toEqual([{ host: 'gpu-1', gpus: [{ index: 0, name: 'NVIDIA B200', utilization_pct: 97, memory_used_mib: 171234, memory_total_mib: 183359, temperature_c: 61, power_w: 903.47 }] }]);
    expect(statsUrl('https://gw.example/api/gpu-stats')).toBe('https://gw.example/api/gpu-stats');
  });

  it('retries 5xx and 429 with doubling delays, then succeeds', async () => {
    const gw = await fakeGateway([503, 429, 500]);
    const { opts, sleeps, logs } = agent(gw.url);
    expect(await runCycle(opts, new AbortController().signal)).toBe('ok');
    expect(gw.bodies.length).toBe(4);
    expect(sleeps).toEqual([1000, 2000, 4000]);
    expect(logs[0]).toMatch(/^post to http:\/\/127\.0\.0\.1:\d+\/api\/gpu-stats failed \(HTTP 503 \{"error":"x"\}\); retrying in 1000 ms$/);
  });

  it('does not retry a rejection (4xx other than 429)', async () => {
    const gw = await fakeGateway([401]);
    const { opts, sleeps } = agent(gw.url);
    expect(await runCycle(opts, new AbortController().signal)).toBe('rejected');
    expect(gw.bodies.length).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('survives a gateway that is down and nvidia-smi failing or printing garbage', async () => {
    const closed = await closedPort();
    const down = agent(`http://127.0.0.1:${closed}`, { retries: 1 });
    expect(await runCycle(down.opts, new AbortController().signal)).toBe('retriable');
    expect(down.logs).toEqual([
      `post to http://127.0.0.1:${closed}/api/gpu-stats failed (fetch failed: connect ECONNREFUSED 127.0.0.1:${closed}); retrying in 1000 ms`,
      `post to http://127.0.0.1:${closed}/api/gpu-stats failed (fetch failed: connect ECONNREFUSED 127.0.0.1:${closed})`,
    ]);
    const broken = agent('http://127.0.0.1:1', { read: () => Promise.reject(new Error('nvidia-smi: not found')) });
    expect(await runCycle(broken.opts, new AbortController().signal)).toBe('rejected');
    expect(broken.logs).toEqual(['nvidia-smi failed: nvidia-smi: not found']);
    const garbage = agent('http://127.0.0.1:1', { read: async () => 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.' });
    expect(await runCycle(garbage.opts, new AbortController().signal)).toBe('rejected');
    expect(garbage.logs[0]).toMatch(/^nvidia-smi output skipped: line 1: expected 7 fields, got 1/);
    const none = agent('http://127.0.0.1:1', { read: async () => '' });
    expect(await runCycle(none.opts, new AbortController().signal)).toBe('rejected');
    expect(none.logs).toEqual(['nvidia-smi listed no GPUs (none visible here?); nothing to post']);
  });

  it('backs off between failed cycles and returns to the interval once the gateway answers', async () => {
    const gw = await fakeGateway([503, 503, 503, 503, 503, 503]);
    const stop = new AbortController();
    let cycles = 0;
    const { opts, sleeps } = agent(gw.url, {
      retries: 1,
      sleep: async (ms) => {
        sleeps.push(ms);
        if (ms >= 5000 && ++cycles === 5) stop.abort();
      },
    });
    await runAgent(opts, stop.signal);
    // cycle 1: 503, retry 503 → wait 10 s; cycle 2 → 20 s; 3 → 40 s; 4 (ok) → 5 s; 5 (ok) → 5 s.
    expect(sleeps).toEqual([1000, 10_000, 1000, 20_000, 1000, 40_000, 5000, 5000]);
    expect(gw.bodies.length).toBe(8);
  });
});
