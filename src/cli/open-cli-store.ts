/**
 * The store a CLI command works on: the gateway's, through the same DATABASE_URL. A SQLite file
 * that did not exist is created, and said so: the command then ran in the working directory's
 * default store, which no running gateway may be using.
 */
import { existsSync } from 'node:fs';
import type { DatabaseConfig } from '../core/config.js';
import { openStore, type Store } from '../store/db.js';

export async function openCliStore(db: DatabaseConfig): Promise<Store> {
  const created = db.kind === 'sqlite' && db.path !== ':memory:' && !existsSync(db.path);
  const store = await openStore(db);
  if (created) {
    process.stderr.write(
      `worv-proxy: created a new store, SQLite ${db.path}. A gateway uses this one only with the same DATABASE_URL (set it as for serve).\n`,
    );
  }
  return store;
}
