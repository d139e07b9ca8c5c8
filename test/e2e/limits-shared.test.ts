// Limits exact across replicas: two real gateway processes sharing Postgres (and Redis, or not),
// a key at 20 requests per minute, 40 requests alternating between them → exactly 20 served.
// And when Redis cannot be reached: served and counted in the process (PROXY_LIMITS_FAIL_OPEN,
// the default), or 503 in the route's dialect when set off — never a 500.
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { createApiKey, updateApiKey } from '../../src/store/api-keys.repo.js';
import { openStore } from '../../src/store/db.js';
import { tokensUsed } from '../../src/store/key-limits.repo.js';
import { listRequestLog } from '../../src/store/request-log.repo.js';
import { postgresUnavailableReason, POSTGRES_URL } from '../helpers/dialects.js';
import { REDIS_URL, redisUnavailableReason } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { spawnServe, type ServeProcess } from '../helpers/serve-process.js';
import { CHAT_BODY, MESSAGES_BODY, postJson, until } from './support.js';

const pgSkip = await postgresUnavailableReason();
const redisSkip = await redisUnavailableReason();

/** Fixed one-minute windows: start a burst early enough in a minute to finish inside it. */
async function awayFromMinuteEnd(needMs: number): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < needMs) await new Promise((r) => setTimeout(r, left + 50));
}

describe.skipIf(pgSkip !== undefined)('limits shared by two gateway processes', () => {
  let sim: Simulator;
  let dbName: string;
  let dbUrl: string;
  const admin = () => new pg.Client({ connectionString: POSTGRES_URL });
  beforeAll(async () => {
    sim = createSimulator({ record: false });
    await sim.listen(0, '127.0.0.1');
    dbName = `limits_${randomBytes(5).toString('hex')}`;
    const c = admin();
    await c.connect();
    await c.query(`CREATE DATABASE ${dbName}`);
    await c.end();
    const u = new URL(POSTGRES_URL);
    u.pathname = `/${dbName}`;
    dbUrl = u.toString();
  });
  afterAll(async () => {
    await sim.close();
    const c = admin();
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await c.end();
  });

  const counters = [
    ['Redis', { REDIS_URL }, redisSkip],
    ['Postgres (no Redis)', {}, undefined],
  ] as const;
  for (const [where, extraEnv, skip] of counters) {
    it.skipIf(skip !== undefined)(`counters in ${where}: --rpm 20, 40 requests alternating between two gateways → exactly 20 served`, async () => {
      const store = await openStore({ kind: 'postgres', url: dbUrl });
      const created = await createApiKey(store.db, { name: 'shared', createdAt: new Date().toISOString(), policy: { limits: { rpm: 20 } } });
      await store.close();
      const { id, key } = created!;
      const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATABASE_URL: dbUrl, VLLM_BASE_URL: sim.url, ...extraEnv };
      const gateways: ServeProcess[] = [];
      try {
        gateways.push(await spawnServe(env), await spawnServe(env));
        await awayFromMinuteEnd(20_000);
        const statuses: number[] = [];
        const served = new Map<string, number>();
        for (let i = 0; i < 40; i++) {
          const g = gateways[i % 2] as ServeProcess;
          const r = await postJson(g.url, '/v1/chat/completions', key, { ...CHAT_BODY, max_tokens: 5 });
          await r.arrayBuffer();
          statuses.push(r.status);
          if (r.status === 200) served.set(g.url, (served.get(g.url) ?? 0) + 1);
        }
        expect(statuses.filter((s) => s === 200)).toHaveLength(20);
        expect(statuses.filter((s) => s === 429)).toHaveLength(20);
        // Both gateways served: the limit is the key's, not each replica's.
        expect([...served.values()]).toEqual([10, 10]);
        void id;
      } finally {
        for (const g of gateways) {
          g.child.kill('SIGTERM');
          await g.exited;
        }
      }
    }, 120_000);

    it.skipIf(skip !== undefined)(`counters in ${where}: --concurrency 1, a client that sends each request when the last one ended is never refused`, async () => {
      const store = await openStore({ kind: 'postgres', url: dbUrl });
      const created = await createApiKey(store.db, { name: 'one-at-a-time', createdAt: new Date().toISOString(), policy: { limits: { concurrency: 1 } } });
      await store.close();
      const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATABASE_URL: dbUrl, VLLM_BASE_URL: sim.url, ...extraEnv };
      const g = await spawnServe(env);
      try {
        // Instant answers: the next request leaves as soon as the last one's end arrived. The
        // slot used to be given back only after the end, in a transaction of its own, which the
        // next admission (on another connection) could overtake: 8 of 100 refused on Postgres.
        const fast = { 'x-sim-ttft-ms': '0', 'x-sim-itl-ms': '0' };
        const statuses: number[] = [];
        for (let i = 0; i < 120; i++) {
          const r =
            i % 3 === 0
              ? await postJson(g.url, '/v1/chat/completions', created!.key, { ...CHAT_BODY, max_tokens: 5 }, fast)
              : i % 3 === 1
                ? await postJson(g.url, '/v1/chat/completions', created!.key, { ...CHAT_BODY, max_tokens: 5, stream: true }, fast)
                : await postJson(g.url, '/v1/messages', created!.key, { ...MESSAGES_BODY, max_tokens: 5, stream: true }, fast);
          await r.arrayBuffer();
          statuses.push(r.status);
        }
        expect(statuses).toEqual(Array(120).fill(200));
      } finally {
        g.child.kill('SIGTERM');
        await g.exited;
      }
    }, 120_000);

    it.skipIf(skip !== undefined)(`counters in ${where}: a gateway reading a key for the first time (a start) never lowers its budget counter to the buckets, and raises one kept from before`, async () => {
      const store = await openStore({ kind: 'postgres', url: dbUrl });
      const day = new Date().toISOString().slice(0, 10);
      /** Sets the key's shared day counter, as other gateways' usage not yet in the buckets (spooled in an outage) leaves it. */
      const setDayCounter = async (keyId: string, used: number): Promise<void> => {
        if (where === 'Redis') {
          const r = new Redis(REDIS_URL);
          await r.set(`worv-proxy:lim:{${keyId}}:d:${day}`, used, 'KEEPTTL');
          r.disconnect();
          return;
        }
        const row = await store.db.selectFrom('key_limit_state').select('state').where('key_id', '=', keyId).executeTakeFirstOrThrow();
        const state = JSON.parse(row.state) as { day: [string, number] };
        state.day = [day, used];
        await store.db.updateTable('key_limit_state').set({ state: JSON.stringify(state) }).where('key_id', '=', keyId).execute();
      };
      const gateways: ServeProcess[] = [];
      try {
        const created = await createApiKey(store.db, { name: 'budget-start', createdAt: new Date().toISOString(), policy: { limits: { dailyTokens: 10_000 } } });
        const { id, key } = created!;
        const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATABASE_URL: dbUrl, VLLM_BASE_URL: sim.url, ...extraEnv };
        const send = async (g: ServeProcess): Promise<number> => {
          const r = await postJson(g.url, '/v1/chat/completions', key, CHAT_BODY, { 'x-sim-tokens': '20' });
          await r.arrayBuffer();
          return r.status;
        };
        gateways.push(await spawnServe(env));
        expect(await send(gateways[0]!)).toBe(200);
        const used = (await tokensUsed(store.db, id, day)).day;
        expect(used).toBeGreaterThan(20);
        // The budget used up by usage the buckets do not hold yet.
        await setDayCounter(id, 10_000);
        expect(await send(gateways[0]!)).toBe(429);
        gateways.push(await spawnServe(env));
        expect(await send(gateways[1]!)).toBe(429);
        expect(await send(gateways[0]!)).toBe(429);
        // A counter behind the buckets (kept from before the budget was last removed): a start brings it up.
        await updateApiKey(store.db, id, { policy: { limits: { dailyTokens: used } } });
        await setDayCounter(id, 0);
        gateways.push(await spawnServe(env));
        expect(await send(gateways[2]!)).toBe(429);
        expect((await tokensUsed(store.db, id, day)).day).toBe(used);
      } finally {
        for (const g of gateways) {
          g.child.kill('SIGTERM');
          await g.exited;
        }
        await store.close();
      }
    }, 120_000);

    it.skipIf(skip !== undefined)(`counters in ${where}: a daily budget removed and added back starts from the usage buckets`, async () => {
      const store = await openStore({ kind: 'postgres', url: dbUrl });
      try {
        const created = await createApiKey(store.db, { name: 'budget', createdAt: new Date().toISOString(), policy: { limits: { dailyTokens: 100_000 } } });
        const { id, key } = created!;
        const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATABASE_URL: dbUrl, VLLM_BASE_URL: sim.url, ...extraEnv };
        const g = await spawnServe(env);
        try {
          const send = async (): Promise<number> => {
            const r = await postJson(g.url, '/v1/chat/completions', key, CHAT_BODY, { 'x-sim-tokens': '20' });
            await r.arrayBuffer();
            return r.status;
          };
          expect(await send()).toBe(200);
          await updateApiKey(store.db, id, { policy: { limits: { dailyTokens: null } } });
          await new Promise((r) => setTimeout(r, 1200)); // past the key cache's second
          for (let i = 0; i < 4; i++) expect(await send()).toBe(200);
          const used = (await tokensUsed(store.db, id, new Date().toISOString().slice(0, 10))).day;
          await updateApiKey(store.db, id, { policy: { limits: { dailyTokens: used - 1 } } });
          await new Promise((r) => setTimeout(r, 1200));
          expect(await send()).toBe(429);
        } finally {
          g.child.kill('SIGTERM');
          await g.exited;
        }
      } finally {
        await store.close();
      }
    }, 120_000);
  }
});

/**
 * `worv-proxy serve` as a process (its log lines are read) on a SQLite file of the test's own, in
 * front of a simulator, with one key held to `limits`; the folder and simulator go when the test ends.
 */
async function serveWithLimitedKey(limits: Record<string, number>, env: Record<string, string>): Promise<{ serve: ServeProcess; k: { id: string; key: string } }> {
  const dir = mkdtempSync(join(tmpdir(), 'worv-limits-serve-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const sim = createSimulator({ record: false });
  await sim.listen(0, '127.0.0.1');
  onTestFinished(() => sim.close());
  const dbPath = join(dir, 'proxy.db');
  const setup = await openStore({ kind: 'sqlite', path: dbPath });
  const k = (await createApiKey(setup.db, { name: 'limited', createdAt: new Date().toISOString(), policy: { limits } }))!;
  await setup.close();
  const serve = await spawnServe({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: `sqlite:${dbPath}`, VLLM_BASE_URL: sim.url, ...env });
  return { serve, k };
}

describe('limit counters unreachable (Redis down)', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });
  // Nothing listens on port 1.
  const DEAD_REDIS = 'redis://127.0.0.1:1';

  it('fail-open (default): served, counted in the process (the limit still holds on this gateway), metric raised', async () => {
    stack = await startStack({ env: { REDIS_URL: DEAD_REDIS } });
    const k = await stack.createKey('fo');
    await updateApiKey(stack.store.db, k.id, { policy: { limits: { rpm: 2, concurrency: 5 } } });
    await awayFromMinuteEnd(10_000);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await postJson(stack.gatewayUrl, '/v1/chat/completions', k.key, CHAT_BODY);
      await r.arrayBuffer();
      statuses.push(r.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    const metrics = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(/^worv_proxy_limits_fail_open_total 3$/m);
    // The slots taken while Redis was down were given back here.
    expect(await stack.app.limits.inFlight(k.id)).toBe(0);
  });

  it('PROXY_LIMITS_FAIL_OPEN=off: 503 "Rate limiter unavailable" in each dialect; keys without limits are unaffected', async () => {
    stack = await startStack({ env: { REDIS_URL: DEAD_REDIS, PROXY_LIMITS_FAIL_OPEN: 'off' } });
    const k = await stack.createKey('fc');
    await updateApiKey(stack.store.db, k.id, { policy: { limits: { rpm: 100 } } });
    const o = await postJson(stack.gatewayUrl, '/v1/chat/completions', k.key, CHAT_BODY);
    expect(o.status).toBe(503);
    expect(o.headers.get('retry-after')).toBe('1');
    expect(await o.json()).toEqual({ error: { message: 'Rate limiter unavailable', type: 'server_error', code: 503 } });
    const a = await postJson(stack.gatewayUrl, '/v1/messages', undefined, MESSAGES_BODY, { 'x-api-key': k.key });
    expect(a.status).toBe(503);
    expect(await a.json()).toEqual({ type: 'error', error: { type: 'api_error', message: 'Rate limiter unavailable' } });
    const plain = await stack.createKey('plain');
    expect((await postJson(stack.gatewayUrl, '/v1/chat/completions', plain.key, CHAT_BODY)).status).toBe(200);
    expect(stack.sim.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
    // The request log names the limiter, not the backend (which was never asked).
    await stack.app.requestLog?.writer.flush();
    const { rows } = await listRequestLog(stack.store.db, { keyId: k.id }, 10, undefined);
    expect(rows.map((r) => ({ status: r.status, result: r.result, error: r.error, backend: r.backend }))).toEqual([
      { status: 503, result: 'rejected', error: 'limiter_unavailable', backend: null },
      { status: 503, result: 'rejected', error: 'limiter_unavailable', backend: null },
    ]);
    const metrics = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(/^worv_proxy_limits_unavailable_total 2$/m);
  });

  it('PROXY_LIMITS_FAIL_OPEN=off: the log line says the request failed with limiter_unavailable, not that the backend failed', async () => {
    const { serve, k } = await serveWithLimitedKey({ rpm: 100 }, { REDIS_URL: `${DEAD_REDIS}/0`, PROXY_LIMITS_FAIL_OPEN: 'off' });
    try {
      const r = await postJson(serve.url, '/v1/chat/completions', k.key, CHAT_BODY);
      expect(r.status).toBe(503);
      await r.arrayBuffer();
      type Line = { level: number; msg: string; req?: Record<string, unknown> };
      let line: Line | undefined;
      for (let i = 0; i < 100 && line === undefined; i++) {
        await new Promise((res) => setTimeout(res, 20));
        const lines = serve.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
        line = lines.find((l) => l.req !== undefined);
      }
      expect(line?.level).toBe(40);
      expect(line?.msg).toBe('request failed');
      expect(line?.req).toMatchObject({ endpoint: 'chat', status: 503, result: 'rejected', error: 'limiter_unavailable' });
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });
});

/**
 * A TCP relay to Redis that a test can cut and bring back on the same port, or freeze (the
 * connection stays up, nothing passes: a Redis stalled by a slow fork or a network blip) and thaw.
 */
async function redisRelay(): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void>; freeze(): void; thaw(): void }> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    const s = createServer((client) => {
      const up = connect(Number(target.port || 6379), target.hostname);
      for (const x of [client, up]) {
        sockets.add(x);
        x.on('close', () => sockets.delete(x));
        x.on('error', () => undefined);
      }
      client.pipe(up).pipe(client);
    });
    await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
    port = (s.address() as { port: number }).port;
    server = s;
  };
  await listen();
  return {
    url: `redis://127.0.0.1:${port}`,
    async cut() {
      const s = server;
      server = undefined;
      for (const x of sockets) x.destroy();
      if (s !== undefined) await new Promise((r) => s.close(r));
    },
    restore: listen,
    freeze() {
      for (const x of sockets) x.pause();
    },
    thaw() {
      for (const x of sockets) x.resume();
    },
  };
}

describe.skipIf(redisSkip !== undefined)('Redis lost and back while serving', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  /**
   * A gateway counting in Redis through a relay the test can cut, freeze and thaw; a key with
   * `limits`; a client of Redis itself to read the counters. Closed when the test ends.
   */
  async function relayed(name: string, limits: Record<string, number>, env: Record<string, string> = {}) {
    const relay = await redisRelay();
    const direct = new Redis(REDIS_URL);
    onTestFinished(async () => {
      direct.disconnect();
      await relay.cut();
    });
    stack = await startStack({ env: { REDIS_URL: relay.url, ...env } });
    const s = stack;
    const k = await s.createKey(name);
    await updateApiKey(s.store.db, k.id, { policy: { limits } });
    const send = async (): Promise<number> => {
      const r = await postJson(s.gatewayUrl, '/v1/chat/completions', k.key, CHAT_BODY);
      await r.arrayBuffer();
      return r.status;
    };
    return { relay, direct, s, k, send };
  }

  it('serves through the outage (counted in the process), then counts in Redis again where it left off', async () => {
    const { relay, s, send } = await relayed('outage', { rpm: 4 });
    await awayFromMinuteEnd(30_000);
    expect([await send(), await send()]).toEqual([200, 200]); // Redis: 2 of 4
    await relay.cut();
    // Redis gone: served, counted here (the process's own window starts empty).
    expect([await send(), await send()]).toEqual([200, 200]);
    const metrics = await (await fetch(`${s.gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(/^worv_proxy_limits_fail_open_total 2$/m);
    await relay.restore();
    // ioredis reconnects on its own (retry delays of 50 ms × attempts); give it time.
    await new Promise((r) => setTimeout(r, 3000));
    // Back in Redis: its window still holds the 2 counted before the outage.
    expect([await send(), await send(), await send()]).toEqual([200, 200, 429]);
    const after = await (await fetch(`${s.gatewayUrl}/metrics`)).text();
    expect(after).toMatch(/^worv_proxy_limits_fail_open_total 2$/m);
  }, 60_000);

  it('the log says when the counters are lost and when they are back', async () => {
    const relay = await redisRelay();
    onTestFinished(() => relay.cut());
    const { serve, k } = await serveWithLimitedKey({ rpm: 1000 }, { REDIS_URL: relay.url });
    onTestFinished(async () => {
      serve.child.kill('SIGTERM');
      await serve.exited;
    });
    const send = async (): Promise<number> => {
      const r = await postJson(serve.url, '/v1/chat/completions', k.key, CHAT_BODY);
      await r.arrayBuffer();
      return r.status;
    };
    const said = (msg: string): number => serve.output().split('\n').filter((l) => l.includes(`"msg":"${msg}`)).length;
    expect(await send()).toBe(200);
    await relay.cut();
    expect(await send()).toBe(200);
    expect(said('limit counters unreachable: serving and counting in this process')).toBe(1);
    await relay.restore();
    await until(async () => (await send()) === 200 && said('limit counters reachable again') === 1, 10_000);
    expect(said('limit counters reachable again: limits are counted in the shared counters')).toBe(1);
  }, 60_000);

  it('a request that ends while Redis is away: once Redis is back, its slot is given back within seconds and the budget counter is seeded again from the buckets', async () => {
    const { relay, direct, s, k, send } = await relayed('settle', { concurrency: 1, dailyTokens: 100_000 });
    expect(await send()).toBe(200);
    const held = postJson(s.gatewayUrl, '/v1/chat/completions', k.key, { ...CHAT_BODY, stream: true }, { 'x-sim-hold': 'away' });
    await s.sim.waitForHold('away');
    expect(await send()).toBe(429); // its one slot is taken
    await relay.cut();
    s.sim.release('away');
    const res = await held;
    expect(res.status).toBe(200);
    await res.text();
    await relay.restore();
    const slots = `worv-proxy:lim:{${k.id}}:conc`;
    const day = `worv-proxy:lim:{${k.id}}:d:${new Date().toISOString().slice(0, 10)}`;
    // ioredis reconnects on its own; the missed settle is retried every second after that.
    await until(async () => (await direct.zcard(slots)) === 0 && (await direct.get(day)) === null, 10_000);
    expect(await send()).toBe(200);
    // Seeded from the buckets (the held request's tokens in them), plus the request just sent
    // once it settles (after its response ended).
    const today = new Date().toISOString().slice(0, 10);
    await until(async () => Number(await direct.get(day)) === (await tokensUsed(s.store.db, k.id, today)).day, 5000);
    expect((await tokensUsed(s.store.db, k.id, today)).day).toBeGreaterThan(0);
  }, 60_000);

  it('tokens of requests served in the process while Redis was away reach the budget: once Redis is back, the budget counter is seeded again from the buckets', async () => {
    const { relay, direct, s, k, send } = await relayed('fail-open-budget', { dailyTokens: 100_000 });
    const today = new Date().toISOString().slice(0, 10);
    const day = `worv-proxy:lim:{${k.id}}:d:${today}`;
    expect(await send()).toBe(200);
    await until(async () => Number(await direct.get(day)) > 0, 5000);
    const before = Number(await direct.get(day));
    await relay.cut();
    expect(await send()).toBe(200); // admitted and settled in the process
    await relay.restore();
    await until(async () => (await direct.get(day)) === null, 10_000);
    expect(await send()).toBe(200);
    await until(async () => Number(await direct.get(day)) === (await tokensUsed(s.store.db, k.id, today)).day, 5000);
    expect(Number(await direct.get(day))).toBe(3 * before);
  }, 60_000);

  it('PROXY_LIMITS_FAIL_OPEN=off: the admission a stalled Redis runs late, after its request was answered 503, gives its slot back; requests meanwhile do not wait out the timeout', async () => {
    const { relay, direct, k, send } = await relayed('stall-closed', { concurrency: 1 }, { PROXY_LIMITS_FAIL_OPEN: 'off' });
    expect(await send()).toBe(200);
    relay.freeze();
    expect(await send()).toBe(503); // after the 1 s command timeout
    // Known stalled now: answered at once, without waiting for Redis.
    const at = performance.now();
    expect(await send()).toBe(503);
    expect(performance.now() - at).toBeLessThan(900);
    relay.thaw();
    const slots = `worv-proxy:lim:{${k.id}}:conc`;
    await until(async () => (await direct.zcard(slots)) === 0 && (await send()) === 200, 10_000);
  }, 60_000);

  it('a Redis that stalls past the admission timeout and then runs what it received gives back the concurrency slots of the requests served meanwhile', async () => {
    const { relay, direct, s, k, send } = await relayed('stall', { concurrency: 2 });
    expect(await send()).toBe(200);
    relay.freeze();
    // The first waits out the 1 s command timeout; the next go to the process at once (Redis is
    // known stalled); all are served and counted there.
    expect([await send(), await send(), await send()]).toEqual([200, 200, 200]);
    const degraded = await fetch(`${s.gatewayUrl}/readyz`);
    expect([degraded.status, await degraded.json()]).toEqual([
      200,
      { status: 'degraded', failing: [{ check: 'limit-counters', error: 'limit counters (Redis) do not answer: commands time out after 1 s' }] },
    ]);
    relay.thaw();
    // Redis runs the late admission, then the release queued behind it.
    const slots = `worv-proxy:lim:{${k.id}}:conc`;
    await until(async () => (await direct.zcard(slots)) === 0, 5000);
    expect([await send(), await send()]).toEqual([200, 200]);
    await until(async () => ((await (await fetch(`${s.gatewayUrl}/readyz`)).json()) as { status: string }).status === 'ready', 5000);
  }, 60_000);
});
