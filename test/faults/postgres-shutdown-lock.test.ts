// SIGTERM while another session holds a lock on the usage table (a Postgres `LOCK TABLE`, which
// no timeout on the gateway's side ends): the drain does not wait for the store beyond a bound.
// The process stops within seconds, says how much usage waits in the spool, and the next start
// applies it: every 200 counted exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { createApiKey } from '../../src/store/api-keys.repo.js';
import { openStore } from '../../src/store/db.js';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import { spawnServe } from '../helpers/serve-process.js';
import { chat, sumAnswers, type Answer } from './gateway.js';
import { createOwnDatabase, usageTotals, type OwnDatabase } from './own-database.js';

const reason = await postgresUnavailableReason();
if (reason !== undefined) console.warn(`[skip postgres] ${reason}`);

describe.skipIf(reason !== undefined)('Postgres holding the usage table locked: SIGTERM, and the next start', () => {
  let db: OwnDatabase;
  let sim: Simulator;
  const dir = mkdtempSync(join(tmpdir(), 'worv-pg-lock-'));
  beforeAll(async () => {
    db = await createOwnDatabase();
    sim = createSimulator({});
    await sim.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await sim?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops within the bound, leaves the usage in the spool, and the next start counts it', async () => {
    const setup = await openStore({ kind: 'postgres', url: db.url });
    const { id, key } = (await createApiKey(setup.db, { name: 'locked', createdAt: new Date().toISOString() }))!;
    await setup.close();
    const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATABASE_URL: db.url, PROXY_SPOOL_DIR: dir, VLLM_BASE_URL: sim.url };
    const serve = await spawnServe(env);
    const answers: Answer[] = [await chat(serve.url, key)];
    expect(answers[0]!.status).toBe(200);
    // The gateway's sessions are named, so an operator finds them (and their locks).
    const apps = await db.query<{ application_name: string }>(
      'SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [db.name],
    );
    expect(apps).toEqual([{ application_name: 'worv-proxy' }]);
    // The first request's usage is in the table before the lock is taken.
    for (let i = 0; i < 50 && (await usageTotals(db, id)).requests < 1; i++) await new Promise((r) => setTimeout(r, 100));

    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE usage_totals IN ACCESS EXCLUSIVE MODE');
    try {
      for (let i = 0; i < 3; i++) answers.push(await chat(serve.url, key));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
      const t0 = Date.now();
      serve.child.kill('SIGTERM');
      expect((await serve.exited).code).toBe(0);
      // Usage waits at most 5 s, the pool's close as long again: never the lock's time.
      expect(Date.now() - t0).toBeLessThan(15_000);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    const lines = serve.output().split('\n');
    expect(lines.filter((l) => l.includes('left in the usage spool'))).toEqual([
      expect.stringContaining('usage of 3 request(s) left in the usage spool: the store did not take it within 5 s; the next start applies it'),
    ]);
    expect(lines.at(-2)).toBe('worv-proxy: drained, stopped');

    const again = await spawnServe(env);
    again.child.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
    expect(await usageTotals(db, id)).toEqual(sumAnswers(answers));
  }, 60_000);

  it('a start while the usage table stays locked listens within seconds, serves, and applies the spool once the lock ends', async () => {
    const setup = await openStore({ kind: 'postgres', url: db.url });
    const { id, key } = (await createApiKey(setup.db, { name: 'start-locked', createdAt: new Date().toISOString() }))!;
    // A key with a budget: its first request after a start seeds the budget from the usage buckets.
    const budgeted = (await createApiKey(setup.db, { name: 'budgeted', createdAt: new Date().toISOString(), policy: { limits: { dailyTokens: 1_000_000 } } }))!;
    await setup.close();
    const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATABASE_URL: db.url, PROXY_SPOOL_DIR: dir, VLLM_BASE_URL: sim.url };
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    const answers: Answer[] = [];
    try {
      const first = await spawnServe(env);
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE usage_totals IN ACCESS EXCLUSIVE MODE');
      for (let i = 0; i < 3; i++) answers.push(await chat(first.url, key));
      first.child.kill('SIGTERM');
      expect((await first.exited).code).toBe(0);
      expect(first.output()).toContain('usage of 3 request(s) left in the usage spool');
      // The lock still held: the next start replays into a table it cannot write.
      const t0 = Date.now();
      const second = await spawnServe(env);
      expect(Date.now() - t0).toBeLessThan(12_000);
      expect(second.output()).toContain("usage spool left by a stopped process: the store has not taken its 3 request(s) yet; serving meanwhile, the replay goes on");
      expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
      answers.push(await chat(second.url, key));
      // Its budget is seeded without waiting for the replay the lock holds (within a second or two).
      const t1 = Date.now();
      expect((await chat(second.url, budgeted.key)).status).toBe(200);
      expect(Date.now() - t1).toBeLessThan(5000);
      await locker.query('ROLLBACK');
      // Once the lock ends: the left spool and the new request, each counted once.
      for (let i = 0; i < 100 && (await usageTotals(db, id)).requests < 4; i++) await new Promise((r) => setTimeout(r, 100));
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(await usageTotals(db, id)).toEqual(sumAnswers(answers));
  }, 60_000);
});
