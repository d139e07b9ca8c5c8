import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresUnavailableReason } from '../../../test/helpers/dialects.js';
import { storeUpgradedFrom, type UpgradedStore } from '../../../test/helpers/upgrade.js';
import type { Store } from '../db.js';
import { getRequestLog, listRequestLog } from '../request-log.repo.js';

const pgSkip = await postgresUnavailableReason();
const BEFORE = '2026_12_04_0005_request_log';

/** Rows as the request log held them before the upgrade: two models, two keys, one error. */
async function fill(db: Kysely<unknown>): Promise<void> {
  for (let i = 0; i < 6; i++) {
    await sql`INSERT INTO request_log (time, key_id, key_name, model, served_model, endpoint, method, stream, status, result,
      duration_ms, aliased, request_truncated, response_truncated)
      VALUES (${`2026-12-04T10:00:0${i}.000Z`}, ${i % 2 === 0 ? 'a' : 'b'}, 'k', ${i < 3 ? 'm1' : 'm2'}, 'served', 'chat', 'POST', 0,
        ${i === 4 ? 500 : 200}, 'complete', ${i}, 0, 0, 0)`.execute(db);
  }
}

async function listedAfterUpgrade(store: Store): Promise<void> {
  const all = await listRequestLog(store.db, {}, 10, undefined);
  expect(all.rows.map((r) => r.duration_ms)).toEqual([5, 4, 3, 2, 1, 0]);
  // A model filter, newest first, one row a page, without the model index.
  const first = await listRequestLog(store.db, { model: 'm1' }, 1, undefined);
  expect(first.rows.map((r) => r.duration_ms)).toEqual([2]);
  expect(first.more).toBe(true);
  const last = first.rows[0]!;
  const next = await listRequestLog(store.db, { model: 'm1' }, 5, { time: last.time, id: last.id });
  expect(next.rows.map((r) => r.duration_ms)).toEqual([1, 0]);
  expect(next.more).toBe(false);
  const keyModel = await listRequestLog(store.db, { keyId: 'a', model: 'm2', status: 'errors' }, 10, undefined);
  expect(keyModel.rows.map((r) => r.duration_ms)).toEqual([4]);
  expect((await getRequestLog(store.db, last.id))?.model).toBe('m1');
}

describe('migration 2026_12_04_0006_request_log_no_model_index', () => {
  let upgraded: UpgradedStore | undefined;
  afterEach(async () => {
    await upgraded?.dispose();
    upgraded = undefined;
  });

  it('SQLite: drops the model index; the rows logged before stay listable, by model too', async () => {
    upgraded = await storeUpgradedFrom('sqlite', BEFORE, fill);
    const { store } = upgraded;
    const indexes = store.sqlite?.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'request_log' ORDER BY name").pluck().all();
    expect(indexes).toEqual(['request_log_failures_time', 'request_log_key_time', 'request_log_time']);
    await listedAfterUpgrade(store);
    // A model filter walks the time index newest first rather than sorting the table.
    const plan = store.sqlite
      ?.prepare("EXPLAIN QUERY PLAN SELECT id FROM request_log WHERE model = 'm1' ORDER BY time DESC, id DESC LIMIT 51")
      .all() as { detail: string }[];
    const details = plan.map((p) => p.detail).join(' ');
    expect(details).toContain('request_log_time');
    expect(details).not.toContain('TEMP B-TREE');
  });

  it.skipIf(pgSkip !== undefined)('Postgres: drops the model index; the rows logged before stay listable, by model too', async () => {
    upgraded = await storeUpgradedFrom('postgres', BEFORE, fill);
    const { store, schema } = upgraded;
    const { rows } = await sql<{ indexname: string }>`SELECT indexname FROM pg_indexes WHERE schemaname = ${schema} AND tablename = 'request_log' ORDER BY indexname`.execute(store.db);
    expect(rows.map((r) => r.indexname)).toEqual(['request_log_failures_time', 'request_log_key_time', 'request_log_pkey', 'request_log_time']);
    await listedAfterUpgrade(store);
  });
});
