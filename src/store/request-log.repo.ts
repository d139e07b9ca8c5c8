/**
 * The request log's SQL: batched inserts (on SQLite one prepared statement in one transaction
 * per batch), the newest-first page with keyset pagination on (time, id), one row, and the
 * retention delete in bounded chunks (a long delete must not hold the SQLite file or the event
 * loop for long).
 */
import type SqliteDatabase from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { Store } from './db.js';
import type { Database, NewRequestLogRow, RequestLogRow } from './schema.js';

/** Status filter: one status, any error (≥ 400), or a class. */
export type StatusFilter = number | 'errors' | '2xx' | '3xx' | '4xx' | '5xx';

export interface RequestLogFilter {
  readonly keyId?: string | undefined;
  /** The model as the client named it. */
  readonly model?: string | undefined;
  readonly status?: StatusFilter | undefined;
  /** The replica that answered (its origin). */
  readonly backend?: string | undefined;
  /** ISO times: from ≤ time < to. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  /** The gateway's id for the request, with the arrival time it carries (epoch ms). */
  readonly requestId?: { readonly id: string; readonly at: number } | undefined;
}

/** How far a row's time may lie from the instant its id carries (the time is computed at the end). */
const ID_TIME_SLACK_MS = 5000;

/** Where the previous page ended: its last row's time and id. */
export interface RequestLogCursor {
  readonly time: string;
  readonly id: number;
}

/** A listed row: everything but the bodies. */
export type RequestLogSummary = Omit<RequestLogRow, 'request_body' | 'response_body'>;

const COLUMNS = [
  'time', 'key_id', 'key_name', 'model', 'served_model', 'endpoint', 'method', 'stream', 'status', 'result', 'error',
  'prompt_tokens', 'completion_tokens', 'cached_tokens', 'reasoning_tokens', 'ttft_ms', 'duration_ms', 'backend',
  'client_ip', 'user_agent', 'session_id', 'capped', 'aliased', 'thinking', 'request_body', 'request_truncated',
  'response_body', 'response_truncated', 'request_id', 'usage_estimated', 'route', 'path', 'error_message',
  'queued_ms',
] as const satisfies readonly (keyof NewRequestLogRow)[];

const SUMMARY_COLUMNS = ['id', ...COLUMNS.filter((c) => c !== 'request_body' && c !== 'response_body')] as const;

/** Rows per Postgres INSERT (34 parameters a row, well under the protocol's 65,535). */
const PG_CHUNK = 1000;
/** Rows per retention DELETE. */
const PRUNE_CHUNK = 5000;

type Inserter = (rows: readonly RequestLogInsert[]) => void;
const sqliteInserters = new WeakMap<SqliteDatabase.Database, Inserter>();

function sqliteInserter(sqlite: SqliteDatabase.Database): Inserter {
  const known = sqliteInserters.get(sqlite);
  if (known !== undefined) return known;
  const stmt = sqlite.prepare(`INSERT INTO request_log (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
  // Positional parameters, in COLUMNS order: binding by name looks every column up on the row
  // object from native code, and `COLUMNS.map` builds an array per row (about 1 µs a row more).
  // request-log.repo.test.ts reads back a row whose every column differs, so the order cannot drift.
  const insert = sqlite.transaction((rows: readonly RequestLogInsert[]) => {
    for (const r of rows) {
      stmt.run(
        r.time, r.key_id, r.key_name, r.model, r.served_model, r.endpoint, r.method, r.stream, r.status, r.result, r.error,
        r.prompt_tokens, r.completion_tokens, r.cached_tokens, r.reasoning_tokens, r.ttft_ms, r.duration_ms, r.backend,
        r.client_ip, r.user_agent, r.session_id, r.capped, r.aliased, r.thinking, r.request_body, r.request_truncated,
        r.response_body, r.response_truncated, r.request_id, r.usage_estimated, r.route, r.path, r.error_message,
        r.queued_ms,
      );
    }
  });
  sqliteInserters.set(sqlite, insert);
  return insert;
}

/** A row to insert: every column given (null where empty), as the prepared statement binds them all. */
export type RequestLogInsert = Required<Omit<NewRequestLogRow, 'id'>>;

/** Columns a row cannot do without, and the 0/1 columns that are 0 unless a row says otherwise. */
const REQUIRED = ['time', 'endpoint', 'method', 'status', 'result', 'duration_ms'] as const;
const FLAGS = new Set<string>(['stream', 'aliased', 'request_truncated', 'response_truncated', 'usage_estimated']);

/**
 * A row read back from outside the process (rows a stopped gateway kept in a file): every column
 * this build knows, null (a flag 0) where the row has none (written by an older build); columns
 * this build does not know (a newer build's) are left out. Undefined for a row without the
 * columns every row has.
 */
export function requestLogInsertOf(o: Readonly<Record<string, unknown>>): RequestLogInsert | undefined {
  if (REQUIRED.some((c) => o[c] === undefined || o[c] === null)) return undefined;
  const row: Record<string, unknown> = {};
  for (const c of COLUMNS) row[c] = o[c] ?? (FLAGS.has(c) ? 0 : null);
  return row as RequestLogInsert;
}

/** Appends rows (one transaction on SQLite, one statement per chunk on Postgres). */
export async function insertRequestLog(store: Store, rows: readonly RequestLogInsert[]): Promise<void> {
  if (rows.length === 0) return;
  const sqlite = store.sqlite;
  if (sqlite !== undefined) {
    const insert = sqliteInserter(sqlite);
    // On the connection's own turn: never inside another caller's open Kysely transaction.
    await store.db.connection().execute(async () => insert(rows));
    return;
  }
  for (let i = 0; i < rows.length; i += PG_CHUNK) {
    await store.db.insertInto('request_log').values(rows.slice(i, i + PG_CHUNK)).execute();
  }
}

/** Rows per INSERT of a kept file: 34 parameters a row stay under SQLite's 32,766 as well as Postgres's bound. */
const ONCE_CHUNK = 500;

/**
 * Inserts the rows of a request-log file a stopped gateway left, and records the file's `id`, in
 * one transaction; false (and nothing inserted) when that file was inserted before. The record
 * goes first: a second gateway inserting the same file waits on its key, then finds it taken.
 */
export async function insertRequestLogOnce(store: Store, id: string, rows: readonly RequestLogInsert[], now: string): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const marked = await trx.insertInto('request_log_spills').values({ id, rows: rows.length, inserted_at: now }).onConflict((c) => c.column('id').doNothing()).executeTakeFirst();
    if (Number(marked.numInsertedOrUpdatedRows ?? 0) === 0) return false;
    for (let i = 0; i < rows.length; i += ONCE_CHUNK) await trx.insertInto('request_log').values(rows.slice(i, i + ONCE_CHUNK)).execute();
    return true;
  });
}

/** The partial index's own condition, literally, so the planner uses that index (migration 2026_12_06_0001). */
const FAILURE = sql<boolean>`(status >= 400 OR result = 'upstream-error')`;

/** The query of a page: the newest `limit + 1` rows matching `filter`, older than `cursor`. */
export function requestLogPage(db: Kysely<Database>, filter: RequestLogFilter, limit: number, cursor: RequestLogCursor | undefined) {
  let q = db.selectFrom('request_log').select(SUMMARY_COLUMNS);
  if (filter.keyId !== undefined) q = q.where('key_id', '=', filter.keyId);
  const model = filter.model;
  if (model !== undefined) q = q.where('model', '=', model);
  if (filter.backend !== undefined) q = q.where('backend', '=', filter.backend);
  const status = filter.status;
  // Failures (answers ≥ 400, and streams whose backend failed after the response had started)
  // come off the partial index: a filter within them names its condition too.
  if (typeof status === 'number') q = status >= 400 ? q.where(FAILURE).where('status', '=', status) : q.where('status', '=', status);
  else if (status === 'errors') q = q.where(FAILURE);
  else if (status === '5xx') q = q.where(FAILURE).where('status', '>=', sql.lit(500));
  else if (status !== undefined) {
    // A class: 2xx, 3xx or 4xx.
    const from = Number(status[0]) * 100;
    if (from >= 400) q = q.where(FAILURE);
    q = q.where('status', '>=', sql.lit(from)).where('status', '<', from + 100);
  }
  const rid = filter.requestId;
  if (rid !== undefined) {
    // Off the time index around the instant the id carries, then the id itself.
    q = q
      .where('time', '>=', new Date(rid.at - ID_TIME_SLACK_MS).toISOString())
      .where('time', '<', new Date(rid.at + ID_TIME_SLACK_MS).toISOString())
      .where('request_id', '=', rid.id);
  }
  if (filter.from !== undefined) q = q.where('time', '>=', filter.from);
  if (filter.to !== undefined) q = q.where('time', '<', filter.to);
  if (cursor !== undefined) {
    q = q.where((eb) => eb.or([eb('time', '<', cursor.time), eb.and([eb('time', '=', cursor.time), eb('id', '<', cursor.id)])]));
  }
  return q.orderBy('time', 'desc').orderBy('id', 'desc').limit(limit + 1);
}

/** The newest rows matching `filter`, older than `cursor`; `limit + 1` are read to tell whether more follow. */
export async function listRequestLog(
  db: Kysely<Database>,
  filter: RequestLogFilter,
  limit: number,
  cursor: RequestLogCursor | undefined,
): Promise<{ rows: RequestLogSummary[]; more: boolean }> {
  const rows = await requestLogPage(db, filter, limit, cursor).execute();
  const more = rows.length > limit;
  return { rows: (more ? rows.slice(0, limit) : rows).map(numeric), more };
}

/** One row with its bodies, or undefined. */
export async function getRequestLog(db: Kysely<Database>, id: number): Promise<RequestLogRow | undefined> {
  const row = await db.selectFrom('request_log').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : numeric(row);
}

/** Deletes rows older than `before` (ISO) in chunks; returns how many went. */
export async function pruneRequestLog(db: Kysely<Database>, before: string): Promise<number> {
  let total = 0;
  for (;;) {
    const res = await db
      .deleteFrom('request_log')
      .where('id', 'in', (eb) => eb.selectFrom('request_log').select('id').where('time', '<', before).limit(PRUNE_CHUNK))
      .executeTakeFirst();
    const n = Number(res.numDeletedRows);
    total += n;
    if (n < PRUNE_CHUNK) return total;
    // Let requests run between chunks.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Rows in the log (tests and the status page). */
export async function countRequestLog(db: Kysely<Database>): Promise<number> {
  const r = await db.selectFrom('request_log').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Postgres returns bigint ids as numbers already (db.ts); SQLite too. Normalise anyway for safety. */
function numeric<T extends { id: number }>(row: T): T {
  return typeof row.id === 'number' ? row : { ...row, id: Number(row.id) };
}
