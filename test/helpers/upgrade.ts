/**
 * Migration tests: a store as an older build left it (migrated up to `before` and filled), then
 * opened by this build, which runs every later migration. SQLite in a file of its own,
 * Postgres in a schema of its own; `dispose` removes either.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/db.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { dropSchema, freshSchema, POSTGRES_URL } from './dialects.js';

export interface UpgradedStore {
  readonly store: Store;
  /** The Postgres schema the store lives in; undefined on SQLite. */
  readonly schema: string | undefined;
  /** Closes the store and removes its file or schema. */
  dispose(): Promise<void>;
}

export async function storeUpgradedFrom(
  dialect: 'sqlite' | 'postgres',
  before: string,
  fill: (db: Kysely<unknown>) => Promise<void>,
): Promise<UpgradedStore> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'worv-mig-'));
    const path = join(dir, 'proxy.db');
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SqliteDatabase(path) }) });
    await migrateAndFill(old, new Migrator({ db: old, provider: migrationProvider('sqlite') }), before, fill);
    const store = await openStore({ kind: 'sqlite', path });
    return { store, schema: undefined, dispose: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const schema = freshSchema();
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const old = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: POSTGRES_URL, max: 1, options: `-c search_path=${schema}` }) }),
  });
  await migrateAndFill(old, new Migrator({ db: old, provider: migrationProvider('postgres'), migrationTableSchema: schema }), before, fill);
  const store = await openStore({ kind: 'postgres', url: POSTGRES_URL }, { pgSchema: schema });
  return { store, schema, dispose: async () => { await store.close(); await dropSchema(schema); } };
}

async function migrateAndFill(old: Kysely<unknown>, migrator: Migrator, before: string, fill: (db: Kysely<unknown>) => Promise<void>): Promise<void> {
  try {
    const res = await migrator.migrateTo(before);
    if (res.error !== undefined) throw new Error(`migrating to ${before} failed`, { cause: res.error });
    await fill(old);
  } finally {
    await old.destroy();
  }
}
