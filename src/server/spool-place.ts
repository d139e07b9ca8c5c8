/** Where a store's usage spool lives (docs/operations.md, "The usage spool"). */
import { basename, dirname } from 'node:path';
import type { Config } from '../core/config.js';
import type { Store } from '../store/db.js';

/** The spool folder: PROXY_SPOOL_DIR, else beside the SQLite file, else ./data (Postgres); none in memory. */
export function spoolPlace(config: Pick<Config, 'spoolDir'>, store: Store): { spoolDir: string | undefined; spoolPrefix: string } {
  if (store.sqlitePath !== undefined) return { spoolDir: config.spoolDir ?? dirname(store.sqlitePath), spoolPrefix: `${basename(store.sqlitePath)}.` };
  return { spoolDir: config.spoolDir ?? (store.dialect === 'postgres' ? './data' : undefined), spoolPrefix: '' };
}
