import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresUnavailableReason } from '../../../test/helpers/dialects.js';
import { storeUpgradedFrom, type UpgradedStore } from '../../../test/helpers/upgrade.js';
import type { Store } from '../db.js';
import { listRequestLog, requestLogPage } from '../request-log.repo.js';

const pgSkip = await postgresUnavailableReason();
const BEFORE = '2026_12_05_0001_last_used_in_totals';

/** Rows logged before the upgrade: served, refused (429), failed before (502) and after the head (200, upstream-error), left by the client. */
async function fill(db: Kysely<unknown>): Promise<void> {
  const rows: ReadonlyArray<[number, string]> = [[200, 'complete'], [429, 'rejected'], [502, 'upstream-error'], [200, 'upstream-error'], [200, 'aborted']];
  for (const [i, [status, result]] of rows.entries()) {
    await sql`INSERT INTO request_log (time, key_id, key_name, model, served_model, endpoint, method, stream, status, result,
      duration_ms, aliased, request_truncated, response_truncated)
      VALUES (${`2026-12-06T10:00:0${i}.000Z`}, 'a', 'k', 'm', 'm', 'chat', 'POST', 1, ${status}, ${result}, ${i}, 0, 0, 0)`.execute(db);
  }
}

async function failuresListed(store: Store): Promise<void> {
  const errors = await listRequestLog(store.db, { status: 'errors' }, 10, undefined);
  expect(errors.rows.map((r) => [r.status, r.result])).toEqual([[200, 'upstream-error'], [502, 'upstream-error'], [429, 'rejected']]);
  const keyed = await listRequestLog(store.db, { keyId: 'a', status: 'errors' }, 1, undefined);
  expect(keyed.rows.map((r) => r.duration_ms)).toEqual([3]);
  expect(keyed.more).toBe(true);
}

describe('migration 2026_12_06_0001_request_log_failures_index', () => {
  let upgraded: UpgradedStore | undefined;
  afterEach(async () => {
    await upgraded?.dispose();
    upgraded = undefined;
  });

  it('SQLite: the errors filter finds streams that failed after their head too, off the failures index', async () => {
    upgraded = await storeUpgradedFrom('sqlite', BEFORE, fill);
    const { store } = upgraded;
    await failuresListed(store);
    // The pages the admin API reads: every filter within the failures comes off their index.
    for (const status of ['errors', '4xx', '5xx', 502] as const) {
      const c = requestLogPage(store.db, { status }, 50, undefined).compile();
      const plan = store.sqlite?.prepare(`EXPLAIN QUERY PLAN ${c.sql}`).all(...(c.parameters as unknown[])) as { detail: string }[];
      const details = plan.map((p) => p.detail).join(' ');
      expect([status, details]).toEqual([status, expect.stringContaining('request_log_failures_time') as unknown]);
      expect(details).not.toContain('TEMP B-TREE');
    }
  });

  it.skipIf(pgSkip !== undefined)('Postgres: the errors filter finds streams that failed after their head too, and can use the failures index', async () => {
    upgraded = await storeUpgradedFrom('postgres', BEFORE, fill);
    await failuresListed(upgraded.store);
    // A handful of rows: the planner would scan them; told not to, it must have the index to use.
    const c = requestLogPage(upgraded.store.db, { status: 'errors' }, 50, undefined).compile();
    const plan = await upgraded.store.db.connection().execute(async (conn) => {
      await conn.executeQuery(sql`SET enable_seqscan = off`.compile(upgraded!.store.db));
      return conn.executeQuery<{ 'QUERY PLAN': string }>({ ...c, sql: `EXPLAIN ${c.sql}` });
    });
    expect(plan.rows.map((r) => r['QUERY PLAN']).join(' ')).toContain('request_log_failures_time');
  });
});
