// Another session holds the key table locked (an operator's `LOCK TABLE`, a long schema change
// run by hand). Each statement of the gateway waits for a lock at most the store's lock timeout,
// then fails as "store unavailable": known keys keep working, /api answers 503 for what needs the
// locked table and 200 for the rest (the pool is never filled with waiting statements), the CLI
// says what held it, and every 200 is counted once.
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import { runCli } from '../helpers/run-cli.js';
import { openStore } from '../../src/store/db.js';
import { createOwnDatabase, gatewayOnOwnDatabase, usageTotals } from './own-database.js';
import { adminCookie, chat, sumAnswers, type Answer } from './gateway.js';

const reason = await postgresUnavailableReason();
if (reason !== undefined) console.warn(`[skip postgres] ${reason}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(reason !== undefined)('Postgres with the key table locked by another session', () => {
  const setup = gatewayOnOwnDatabase();

  it('waits for the lock at most 5 s a statement: keys seen keep working, /api answers, the CLI says why, nothing is lost', async () => {
    const { db, gw } = setup;
    const known = await gw.createKey();
    const cookie = await adminCookie(gw.url);
    const answers: Answer[] = [await chat(gw.url, known.key)];
    expect(answers[0]!.status).toBe(200);

    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    const waiting = async (): Promise<number> =>
      (
        await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE NOT l.granted AND a.datname = $1 AND a.application_name = 'worv-proxy'",
          [db.name],
        )
      )[0]!.n;
    let mostWaiting = 0;
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE');
      // 14 s of requests: the key cache asks the store once a second, and each read waits.
      const until = Date.now() + 14_000;
      while (Date.now() < until) {
        answers.push(await chat(gw.url, known.key));
        mostWaiting = Math.max(mostWaiting, await waiting());
        await sleep(250);
      }
      expect(answers.map((a) => a.status).filter((s) => s !== 200)).toEqual([]);
      // The pool (10 connections) never fills with reads of the locked table: each gives up after 5 s.
      expect(mostWaiting).toBeGreaterThan(0);
      expect(mostWaiting).toBeLessThanOrEqual(7);

      // What does not need the locked table answers at once; what does, 503 within the lock timeout.
      let t0 = Date.now();
      const requests = await fetch(`${gw.url}/api/requests`, { headers: { cookie } });
      expect(requests.status).toBe(200);
      expect(Date.now() - t0).toBeLessThan(3000);
      t0 = Date.now();
      const keys = await fetch(`${gw.url}/api/keys`, { headers: { cookie } });
      // Usage commits need the key rows too (a foreign key): they wait in the spool, and the key list says so.
      expect([keys.status, await keys.json(), keys.headers.get('retry-after')]).toEqual([
        503,
        { error: expect.stringMatching(/^Store unavailable: \d+ ended requests wait in the usage spool until the store takes writes again/) },
        '1',
      ]);
      expect(Date.now() - t0).toBeLessThan(8000);

      const cli = await runCli(['keys', 'create', '--name', 'while-locked'], { DATABASE_URL: db.url });
      expect(cli).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'worv-proxy: the store is unavailable: a table it needs is locked by another session (waited 5 s). Each change is one transaction: nothing of it was applied; try again.\n',
      });
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect((await fetch(`${gw.url}/api/keys`, { headers: { cookie } })).status).toBe(200);
    answers.push(await chat(gw.url, known.key));
    for (let i = 0; i < 100 && (await usageTotals(db, known.id)).requests < answers.length; i++) await sleep(100);
    expect(await usageTotals(db, known.id)).toEqual(sumAnswers(answers));
    expect(await db.query('SELECT name FROM api_keys WHERE name = $1', ['while-locked'])).toEqual([]);
  }, 60_000);

  it("sets the lock timeout by a statement: the operator's PGOPTIONS (a schema) and a URL's options still apply", async () => {
    const own = await createOwnDatabase();
    const before = process.env.PGOPTIONS;
    try {
      await own.query('CREATE SCHEMA tenant');
      process.env.PGOPTIONS = '-c search_path=tenant';
      const store = await openStore({ kind: 'postgres', url: own.url });
      try {
        const { rows } = await sql<{ schema: string; lock: string }>`SELECT current_schema() AS schema, current_setting('lock_timeout') AS lock`.execute(store.db);
        expect(rows).toEqual([{ schema: 'tenant', lock: '5s' }]);
        expect(await own.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'tenant' AND table_name = 'api_keys'")).toEqual([{ n: 1 }]);
      } finally {
        await store.close();
      }
      delete process.env.PGOPTIONS;
      const withOptions = await openStore({ kind: 'postgres', url: `${own.url}?options=${encodeURIComponent('-c search_path=tenant')}` });
      try {
        const { rows } = await sql<{ schema: string; lock: string }>`SELECT current_schema() AS schema, current_setting('lock_timeout') AS lock`.execute(withOptions.db);
        expect(rows).toEqual([{ schema: 'tenant', lock: '5s' }]);
      } finally {
        await withOptions.close();
      }
    } finally {
      if (before === undefined) delete process.env.PGOPTIONS;
      else process.env.PGOPTIONS = before;
      await own.drop();
    }
  }, 60_000);
});
