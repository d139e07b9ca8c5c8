/**
 * Copies one store into another, empty one (`worv-proxy store copy`): the way from the SQLite
 * file a single gateway starts with to the Postgres database several replicas share (or back).
 * Both are migrated to this build's schema first, so the same columns exist on both sides.
 *
 * Copied: keys (their hashes: every key keeps working), usage totals and day buckets, the
 * rate-limit refusals per day, admin users, run-time backend changes, settings (the session
 * secret), GPU samples and, unless left out, the request log. Not copied: console sessions (sign
 * in again), the minute windows of the login limit and per-key limits' in-process state (they
 * restart), the usage spool's marks, and the store's identity (each store keeps its own, so a
 * spool is only ever replayed into the store it was written for).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Store } from './db.js';

type TableName = keyof Database;

interface TablePlan {
  readonly table: TableName;
  /** Key columns, for a stable reading order. */
  readonly order: readonly string[];
  /** An integer id read in pages (large tables); others are read whole. */
  readonly pagedBy?: 'id';
  /** Postgres: the id's sequence is moved past the copied ids. */
  readonly serial?: boolean;
}

const TABLES: readonly TablePlan[] = [
  { table: 'api_keys', order: ['id'] },
  { table: 'usage_totals', order: ['key_id'] },
  { table: 'usage_daily', order: ['key_id', 'day'] },
  { table: 'key_rejections', order: ['key_id', 'day'] },
  { table: 'admin_users', order: ['username'] },
  { table: 'settings', order: ['key'] },
  { table: 'backends', order: ['url'] },
  { table: 'gpu_latest', order: ['host', 'gpu_index'] },
  { table: 'gpu_samples', order: ['id'], pagedBy: 'id', serial: true },
  { table: 'request_log', order: ['id'], pagedBy: 'id', serial: true },
];

/** Settings that belong to one store only. */
const OWN_SETTINGS: ReadonlySet<string> = new Set(['store_id']);

/** Tables whose rows make a target "not empty". */
const CONTENT: readonly TableName[] = ['api_keys', 'usage_totals', 'usage_daily', 'admin_users', 'request_log'];

/**
 * Rows per INSERT: the request log's 33 columns × 500 stay under the bound parameters a
 * statement takes, SQLite's 32,766 as well as Postgres's 65,535.
 */
const CHUNK = 500;

export interface CopyOptions {
  /** Leave the request log out (it can be large, and it is only history). */
  readonly withoutRequestLog?: boolean;
  /** Called after each table with the rows copied. */
  readonly onTable?: (table: string, rows: number) => void;
}

export class StoreNotEmptyError extends Error {
  constructor(readonly table: string, readonly rows: number) {
    super(`the target store is not empty (${table} has ${rows} row${rows === 1 ? '' : 's'}): copy only into a new, empty store`);
    this.name = 'StoreNotEmptyError';
  }
}

async function rowCount(db: Kysely<Database>, table: TableName): Promise<number> {
  const r = await db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Throws StoreNotEmptyError when the target holds keys, usage, admins or logged requests. */
export async function assertEmpty(db: Kysely<Database>): Promise<void> {
  for (const table of CONTENT) {
    const n = await rowCount(db, table);
    if (n > 0) throw new StoreNotEmptyError(table, n);
  }
}

/** The same store seen table by table, its rows as plain records: the copy moves them as they are. */
type Tables = Record<string, Record<string, unknown>>;

async function* rowsOf(db: Kysely<Tables>, plan: TablePlan): AsyncGenerator<Record<string, unknown>[]> {
  if (plan.pagedBy === undefined) {
    let q = db.selectFrom(plan.table).selectAll();
    for (const c of plan.order) q = q.orderBy(c);
    const rows = await q.execute();
    for (let i = 0; i < rows.length; i += CHUNK) yield rows.slice(i, i + CHUNK);
    return;
  }
  let after: number | undefined;
  for (;;) {
    let q = db.selectFrom(plan.table).selectAll();
    if (after !== undefined) q = q.where('id', '>', after);
    const rows = await q.orderBy('id').limit(CHUNK).execute();
    if (rows.length === 0) return;
    after = Number(rows[rows.length - 1]!.id);
    yield rows;
  }
}

/**
 * Copies `source` into `target` in one transaction on the target: all of it or nothing.
 * Returns the rows copied per table.
 */
export async function copyStore(source: Store, target: Store, opts: CopyOptions = {}): Promise<Map<string, number>> {
  await assertEmpty(target.db);
  const copied = new Map<string, number>();
  const from = source.db as unknown as Kysely<Tables>;
  await (target.db as unknown as Kysely<Tables>).transaction().execute(async (trx) => {
    // Settings the target made for itself at start (its identity, a session secret) give way
    // to the source's, except the identity.
    await trx.deleteFrom('settings').where('key', 'not in', [...OWN_SETTINGS]).execute();
    for (const plan of TABLES) {
      if (plan.table === 'request_log' && opts.withoutRequestLog === true) continue;
      let n = 0;
      for await (let rows of rowsOf(from, plan)) {
        if (plan.table === 'settings') rows = rows.filter((r) => !OWN_SETTINGS.has(String(r.key)));
        if (rows.length === 0) continue;
        await trx.insertInto(plan.table).values(rows).execute();
        n += rows.length;
      }
      if (plan.serial === true && target.dialect === 'postgres' && n > 0) {
        await sql`SELECT setval(pg_get_serial_sequence(${plan.table}, 'id'), (SELECT max(id) FROM ${sql.table(plan.table)}))`.execute(trx);
      }
      copied.set(plan.table, n);
      opts.onTable?.(plan.table, n);
    }
  });
  return copied;
}
