import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { loadConfig } from '../../src/core/config.js';
import { createApp } from '../../src/server/app.js';
import { createSimulator } from '../../src/simulator/index.js';
import { openStore } from '../../src/store/db.js';
import { POSTGRES_URL } from '../helpers/dialects.js';
import { startStack, type Stack } from '../helpers/harness.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('/healthz and /readyz', () => {
  it('answers liveness without a session and readiness when store and backend answer', async () => {
    stack = await startStack({ simulator: { model: 'sim-model' } });
    const live = await fetch(`${stack.gatewayUrl}/healthz`);
    expect(live.status).toBe(200);
    expect(live.headers.get('content-type')).toMatch(/^application\/json/);
    expect(live.headers.get('cache-control')).toBe('no-store');
    expect(await live.json()).toEqual({ status: 'ok' });

    const ready = await fetch(`${stack.gatewayUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });

    const head = await fetch(`${stack.gatewayUrl}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('is not ready (503, backend listed) when no backend is reachable, while still live', async () => {
    stack = await startStack({ simulator: false, env: { VLLM_BASE_URL: 'http://127.0.0.1:9' } });
    const ready = await fetch(`${stack.gatewayUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'not ready', failing: [{ check: 'backend', error: 'no backend is reachable' }] });
    expect((await fetch(`${stack.gatewayUrl}/healthz`)).status).toBe(200);
  });

  it('is degraded (200, store listed) while the store does not answer and known keys still work, then not ready', async () => {
    // Own app over a Postgres database of its own, whose api_keys table another session then locks.
    const dbName = `worv_readyz_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    const url = POSTGRES_URL.replace(/\/[^/?]*(\?|$)/, `/${dbName}$1`);
    const sim = createSimulator({ model: 'sim-model' });
    await sim.listen(0, '127.0.0.1');
    const store = await openStore({ kind: 'postgres', url });
    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    const app = await createApp(loadConfig({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', VLLM_BASE_URL: sim.url, DATABASE_URL: url, PROXY_KEY_STALE_SECONDS: '1' }), { store });
    try {
      const { url: gw } = await app.listen();
      expect((await fetch(`${gw}/readyz`)).status).toBe(200);
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE');
      const ready = await fetch(`${gw}/readyz`);
      expect(ready.status).toBe(200);
      const body = (await ready.json()) as { status: string; failing: { check: string; error: string }[] };
      expect(body.status).toBe('degraded');
      expect(body.failing).toHaveLength(1);
      expect(body.failing[0]?.check).toBe('store');
      expect(body.failing[0]?.error).toBe('store does not answer: no answer within 2000 ms');
      expect((await fetch(`${gw}/healthz`)).status).toBe(200);
      // Away longer than known keys are served (PROXY_KEY_STALE_SECONDS=1): not ready.
      const later = await fetch(`${gw}/readyz`);
      expect(later.status).toBe(503);
      expect(await later.json()).toEqual({ status: 'not ready', failing: [{ check: 'store', error: 'store does not answer: no answer within 2000 ms' }] });
      await locker.query('ROLLBACK');
      expect((await fetch(`${gw}/readyz`)).status).toBe(200);
    } finally {
      await locker.end();
      await app.close();
      await store.close();
      await sim.close();
      // Let the closed pool's connections go before dropping (FORCE would kill them mid-close).
      for (let i = 0; i < 50; i++) {
        const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [dbName]);
        if (rows[0]?.n === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    }
  });
});
