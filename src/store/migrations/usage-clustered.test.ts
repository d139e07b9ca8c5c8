import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../db.js';
import { queryUsage } from '../usage.repo.js';
import { listApiKeys } from '../api-keys.repo.js';
import { migrationProvider } from './index.js';

describe('migration 2026_11_25_0001_usage_clustered (SQLite)', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('rebuilds the usage tables as clustered tables and keeps every counter', async () => {
    dir = mkdtempSync(join(tmpdir(), 'worv-mig-'));
    const path = join(dir, 'usage.db');
    // The schema as it was before this migration, with usage in it.
    const sqlite = new SqliteDatabase(path);
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
    const res = await new Migrator({ db: old, provider: migrationProvider('sqlite') }).migrateTo('2026_11_24_0001_usage_covering_index');
    expect(res.error).toBeUndefined();
    sqlite.exec(`
      INSERT INTO api_keys (id, name, key_hash, key_prefix, created_at) VALUES ('a', 'a', 'ha', 'wp-a', '2026-01-01T00:00:00.000Z'), ('b', 'b', 'hb', 'wp-b', '2026-01-01T00:00:00.000Z');
      INSERT INTO usage_totals VALUES ('a', 3, 30, 7), ('b', 1, 5, 2);
      INSERT INTO usage_daily VALUES ('a', '2026-02-01', 2, 20, 5), ('a', '2026-02-02', 1, 10, 2), ('b', '2026-02-01', 1, 5, 2);
    `);
    await old.destroy();

    const store = await openStore({ kind: 'sqlite', path });
    try {
      const ddl = (name: string): string =>
        (store.sqlite?.prepare('SELECT sql FROM sqlite_master WHERE name = ?').pluck().get(name) as string | undefined) ?? '';
      expect(ddl('usage_totals')).toContain('WITHOUT ROWID');
      expect(ddl('usage_daily')).toContain('WITHOUT ROWID');
      expect(ddl('usage_daily')).toContain('PRIMARY KEY (day, key_id)');
      expect(ddl('usage_daily_day_cover_idx')).toBe('');
      const keys = await listApiKeys(store.db);
      expect(keys.map((k) => [k.id, k.usage])).toEqual(
        expect.arrayContaining([
          ['a', { requests: 3, promptTokens: 30, completionTokens: 7 }],
          ['b', { requests: 1, promptTokens: 5, completionTokens: 2 }],
        ]),
      );
      expect((await queryUsage(store.db, { from: '2026-02-01', to: '2026-02-28' })).days).toEqual([
        { date: '2026-02-01', keyId: 'a', requests: 2, promptTokens: 20, completionTokens: 5, cachedTokens: 0, reasoningTokens: 0 },
        { date: '2026-02-01', keyId: 'b', requests: 1, promptTokens: 5, completionTokens: 2, cachedTokens: 0, reasoningTokens: 0 },
        { date: '2026-02-02', keyId: 'a', requests: 1, promptTokens: 10, completionTokens: 2, cachedTokens: 0, reasoningTokens: 0 },
      ]);
      // The day-range report reads the clustered table in key order, no separate index.
      const plan = store.sqlite
        ?.prepare("EXPLAIN QUERY PLAN SELECT day, key_id, requests FROM usage_daily WHERE day >= '2026-02-01' AND day <= '2026-02-28'")
        .all() as { detail: string }[];
      expect(plan.map((p) => p.detail).join(' ')).toContain('USING PRIMARY KEY');
    } finally {
      await store.close();
    }
  });
});
