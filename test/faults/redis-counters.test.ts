// Redis for the per-key limit counters, as an operator meets it: a Redis that refuses the
// gateway's setup (a database number it does not have) stops the start with one line; one
// that does not answer leaves the gateway serving, `degraded` in /readyz and unreachable in
// /api/status, so a load balancer keeps it and a dashboard shows that limits are not shared.
import { afterEach, describe, expect, it } from 'vitest';
import { REDIS_URL, redisUnavailableReason } from '../helpers/redis.js';
import { runCli } from '../helpers/run-cli.js';
import { adminCookie, startFaultGateway, type FaultGateway } from './gateway.js';

const redisSkip = await redisUnavailableReason();

describe('faults: the limit counters\' Redis', () => {
  let gw: FaultGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  const status = async (g: FaultGateway): Promise<unknown> => {
    const cookie = await adminCookie(g.url);
    return ((await (await fetch(`${g.url}/api/status`, { headers: { cookie } })).json()) as { limit_counters: unknown }).limit_counters;
  };

  it('not answering: /readyz degraded (still 200), /api/status says limits are not shared', async () => {
    // Nothing listens on port 1.
    gw = await startFaultGateway(undefined, { REDIS_URL: 'redis://127.0.0.1:1' });
    const r = await fetch(`${gw.url}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({
      status: 'degraded',
      // Anyone may ask /readyz: the address is left out; /api/status (signed in) has it.
      failing: [{ check: 'limit-counters', error: 'limit counters (Redis) do not answer: ECONNREFUSED' }],
    });
    expect(await status(gw)).toEqual({ where: 'redis', reachable: false, error: 'connect ECONNREFUSED 127.0.0.1:1' });
  });

  it('without REDIS_URL on SQLite: counted in this gateway, nothing failing', async () => {
    gw = await startFaultGateway(undefined);
    expect(await (await fetch(`${gw.url}/readyz`)).json()).toEqual({ status: 'ready' });
    expect(await status(gw)).toEqual({ where: 'process', reachable: true, error: null });
  });

  it.skipIf(redisSkip !== undefined)('answering: ready, shared in Redis', async () => {
    gw = await startFaultGateway(undefined, { REDIS_URL });
    expect(await (await fetch(`${gw.url}/readyz`)).json()).toEqual({ status: 'ready' });
    expect(await status(gw)).toEqual({ where: 'redis', reachable: true, error: null });
  });

  it.skipIf(redisSkip !== undefined)('refusing the setup: `serve` exits 2 with one line naming REDIS_URL and Redis\'s answer', async () => {
    const url = new URL(REDIS_URL);
    url.pathname = '/9999';
    const env = { PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: 'sqlite::memory:', VLLM_BASE_URL: 'http://127.0.0.1:9', REDIS_URL: url.toString() };
    const r = await runCli(['serve'], env);
    expect([r.code, r.stderr]).toEqual([2, 'worv-proxy: cannot start: Redis at REDIS_URL refused the connection: ERR DB index is out of range\n']);
  });

  it.skipIf(redisSkip !== undefined)('refusing the setup: `demo` exits 2 with the same line, leaving nothing running (no hang)', async () => {
    const url = new URL(REDIS_URL);
    url.pathname = '/9999';
    const r = await runCli(['demo'], { DATABASE_URL: 'sqlite::memory:', REDIS_URL: url.toString() }, 20_000);
    expect([r.code, r.stderr]).toEqual([2, 'worv-proxy: cannot start: Redis at REDIS_URL refused the connection: ERR DB index is out of range\n']);
  });

  it('a database that is not a number: refused before anything starts', async () => {
    const env = { PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: 'sqlite::memory:', REDIS_URL: 'redis://:secret@127.0.0.1:6379/abc' };
    const r = await runCli(['serve'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('REDIS_URL must be redis://[user:password@]host:port[/database number] (or rediss://) (got "redis://:***@127.0.0.1:6379/abc")');
    expect(r.stderr).not.toContain('secret');
  });
});
