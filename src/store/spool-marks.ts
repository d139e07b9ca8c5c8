/**
 * Applying spooled increments exactly once: each spool segment has a mark (its highest applied
 * sequence number, `usage_spool_marks`), and the increments above it are applied in the same
 * transaction (SQLite) or statement (Postgres) that moves it. Whatever crashes between that
 * and the segment file's removal, the next replay skips what the mark covers.
 */
import type SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import type { Store } from './db.js';
import type { SpoolEntry } from './usage-spool.js';
import { recordUsagePostgres, sqliteUsageRecorder } from './usage.repo.js';

export interface ApplyResult {
  /** The segment's mark afterwards: every entry at or below it is in the counters. */
  readonly mark: number;
  /** Requests dropped because their key no longer exists. */
  readonly dropped: number;
}

type SqliteApply = (id: string, entries: readonly SpoolEntry[]) => ApplyResult;
const sqliteAppliers = new WeakMap<SqliteDatabase.Database, SqliteApply>();

function sqliteApplier(main: SqliteDatabase.Database): SqliteApply {
  const known = sqliteAppliers.get(main);
  if (known !== undefined) return known;
  const get = main.prepare<[string], { applied_seq: number }>('SELECT applied_seq FROM usage_spool_marks WHERE spool_id = ?');
  const set = main.prepare(
    `INSERT INTO usage_spool_marks (spool_id, applied_seq) VALUES (?, ?)
     ON CONFLICT (spool_id) DO UPDATE SET applied_seq = max(applied_seq, excluded.applied_seq)`,
  );
  const record = sqliteUsageRecorder(main);
  const apply = main.transaction((id: string, entries: readonly SpoolEntry[]): ApplyResult => {
    const mark = get.get(id)?.applied_seq ?? 0;
    const fresh = entries.filter((e) => e.seq > mark);
    if (fresh.length === 0) return { mark, dropped: 0 };
    const dropped = record(fresh.map((e) => e.inc)); // a nested transaction: a savepoint inside this one
    const last = fresh[fresh.length - 1]!.seq;
    set.run(id, last);
    return { mark: last, dropped };
  });
  sqliteAppliers.set(main, apply);
  return apply;
}

/** Makes sure a segment has a mark row (Postgres locks it to guard each application). */
export async function ensureMark(store: Store, id: string): Promise<void> {
  if (store.sqlite !== undefined) return;
  await sql`INSERT INTO usage_spool_marks (spool_id, applied_seq) VALUES (${id}, 0) ON CONFLICT (spool_id) DO NOTHING`.execute(store.db);
}

async function readMark(store: Store, id: string): Promise<number> {
  const row = await store.db.selectFrom('usage_spool_marks').select('applied_seq').where('spool_id', '=', id).executeTakeFirst();
  return Number(row?.applied_seq ?? 0);
}

/** Applies a segment's entries (in sequence order) above its mark and moves the mark, atomically. */
export async function applySpooled(store: Store, id: string, entries: readonly SpoolEntry[]): Promise<ApplyResult> {
  const sqlite = store.sqlite;
  if (sqlite !== undefined) {
    const apply = sqliteApplier(sqlite);
    // Under Kysely's one connection: never inside another caller's open transaction.
    return store.db.connection().execute(async () => apply(id, entries));
  }
  await ensureMark(store, id);
  const mark = await readMark(store, id);
  const fresh = entries.filter((e) => e.seq > mark);
  if (fresh.length === 0) return { mark, dropped: 0 };
  const last = fresh[fresh.length - 1]!.seq;
  const r = await recordUsagePostgres(
    store.db,
    fresh.map((e) => e.inc),
    { spoolId: id, expected: mark, next: last },
  );
  // Not applied: the mark moved under us (a late batch of the same segment committed); re-read it.
  return r.applied ? { mark: last, dropped: r.dropped } : { mark: await readMark(store, id), dropped: 0 };
}

/** Forgets a segment's mark once its file is gone (best effort: a stale mark row is harmless). */
export async function removeMark(store: Store, id: string): Promise<void> {
  await store.db.deleteFrom('usage_spool_marks').where('spool_id', '=', id).execute();
}
