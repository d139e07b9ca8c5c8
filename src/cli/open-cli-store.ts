/**
 * The store a CLI command works on: the gateway's, through the same DATABASE_URL. A SQLite file
 * that did not exist is created, and said so: the command then ran in the working directory's
 * default store, which no running gateway may be using.
 */
import { existsSync } from 'node:fs';
import type { DatabaseConfig } from '../core/config.js';
import { openStore, type Store } from '../store/db.js';
import { causeOf, storeTarget, upgradedLine } from './startup-error.js';

/** Opens the store, or prints one line naming the cause and exits 2 (as `serve` does). */
export async function openCliStore(db: DatabaseConfig): Promise<Store> {
  const created = db.kind === 'sqlite' && db.path !== ':memory:' && !existsSync(db.path);
  let store: Store;
  try {
    store = await openStore(db, { onMigrated: (applied) => process.stderr.write(upgradedLine(storeTarget(db), applied)) });
  } catch (err) {
    process.stderr.write(`worv-proxy: cannot open the store (${storeTarget(db)}): ${causeOf(err)}\n`);
    process.exit(2);
  }
  if (created) {
    process.stderr.write(
      `worv-proxy: created a new store, SQLite ${db.path}. A gateway uses this one only with the same DATABASE_URL (set it as for serve).\n`,
    );
  }
  return store;
}
