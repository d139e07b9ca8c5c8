import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresUnavailableReason } from '../../../test/helpers/dialects.js';
import { storeUpgradedFrom, type UpgradedStore } from '../../../test/helpers/upgrade.js';
import { listApiKeys } from '../api-keys.repo.js';
import type { Store } from '../db.js';
import { recordUsage, touchApiKey } from '../usage.repo.js';

const pgSkip = await postgresUnavailableReason();
const BEFORE = '2026_12_04_0006_request_log_no_model_index';

/** Keys as the store held them before the upgrade: one with usage, one used only by GPU posts, one never used. */
async function fill(db: Kysely<unknown>): Promise<void> {
  const key = (id: string, lastUsed: string | null) =>
    sql`INSERT INTO api_keys (id, name, key_hash, key_prefix, is_active, created_at, last_used_at)
      VALUES (${id}, ${id}, ${`h-${id}`}, 'wp-x', 1, '2026-01-01T00:00:00.000Z', ${lastUsed})`.execute(db);
  await key('used', '2026-12-04T10:00:00.000Z');
  await key('gpu', '2026-12-04T11:00:00.000Z');
  await key('never', null);
  await sql`INSERT INTO usage_totals (key_id, requests, prompt_tokens, completion_tokens) VALUES ('used', 3, 30, 7)`.execute(db);
}

async function afterUpgrade(store: Store): Promise<void> {
  const keys = new Map((await listApiKeys(store.db)).map((k) => [k.id, k]));
  expect(keys.get('used')).toMatchObject({ lastUsedAt: '2026-12-04T10:00:00.000Z', usage: { requests: 3, promptTokens: 30, completionTokens: 7 } });
  expect(keys.get('gpu')).toMatchObject({ lastUsedAt: '2026-12-04T11:00:00.000Z', usage: { requests: 0, promptTokens: 0, completionTokens: 0 } });
  expect(keys.get('never')).toMatchObject({ lastUsedAt: null, usage: { requests: 0, promptTokens: 0, completionTokens: 0 } });
  // Usage and touches after the upgrade move the last use forward, never back.
  await recordUsage(store, [{ keyId: 'never', day: '2026-12-05', requests: 1, promptTokens: 5, completionTokens: 2, usedAt: '2026-12-05T09:00:00.000Z' }]);
  await recordUsage(store, [{ keyId: 'used', day: '2026-12-03', requests: 1, promptTokens: 1, completionTokens: 1, usedAt: '2026-12-03T09:00:00.000Z' }]);
  await touchApiKey(store.db, 'gpu', '2026-12-05T08:00:00.000Z');
  await touchApiKey(store.db, 'never', '2026-12-05T08:00:00.000Z');
  await touchApiKey(store.db, 'gone', '2026-12-05T08:00:00.000Z');
  const after = new Map((await listApiKeys(store.db)).map((k) => [k.id, k]));
  expect(after.get('never')).toMatchObject({ lastUsedAt: '2026-12-05T09:00:00.000Z', usage: { requests: 1, promptTokens: 5, completionTokens: 2 } });
  expect(after.get('used')).toMatchObject({ lastUsedAt: '2026-12-04T10:00:00.000Z', usage: { requests: 4, promptTokens: 31, completionTokens: 8 } });
  expect(after.get('gpu')?.lastUsedAt).toBe('2026-12-05T08:00:00.000Z');
  const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM usage_totals WHERE key_id = 'gone'`.execute(store.db);
  expect(Number(rows[0]?.n)).toBe(0);
}

describe('migration 2026_12_05_0001_last_used_in_totals', () => {
  let upgraded: UpgradedStore | undefined;
  afterEach(async () => {
    await upgraded?.dispose();
    upgraded = undefined;
  });

  it('SQLite: moves each key\'s last use into its totals row and drops the api_keys column', async () => {
    upgraded = await storeUpgradedFrom('sqlite', BEFORE, fill);
    const columns = upgraded.store.sqlite?.prepare("SELECT name FROM pragma_table_info('api_keys')").pluck().all();
    expect(columns).not.toContain('last_used_at');
    await afterUpgrade(upgraded.store);
  });

  it.skipIf(pgSkip !== undefined)('Postgres: moves each key\'s last use into its totals row and drops the api_keys column', async () => {
    upgraded = await storeUpgradedFrom('postgres', BEFORE, fill);
    const { rows } = await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns
      WHERE table_schema = ${upgraded.schema} AND table_name = 'api_keys'`.execute(upgraded.store.db);
    expect(rows.map((r) => r.column_name)).not.toContain('last_used_at');
    await afterUpgrade(upgraded.store);
  });
});
