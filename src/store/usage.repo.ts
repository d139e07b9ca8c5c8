/**
 * Usage counters: per-key totals and per-key per-UTC-day buckets, always written together in
 * one transaction with atomic increments (`ON CONFLICT … DO UPDATE SET n = n + excluded.n`),
 * so concurrent writers on any number of replicas never lose an increment.
 */
import type SqliteDatabase from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { Store } from './db.js';
import type { Database } from './schema.js';

/** One request's (or a merged batch's) contribution to a key's counters. */
export interface UsageIncrement {
  readonly keyId: string;
  /** UTC day `YYYY-MM-DD`. */
  readonly day: string;
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Parts of promptTokens / completionTokens: from the prefix cache, spent reasoning (default 0). */
  readonly cachedTokens?: number;
  readonly reasoningTokens?: number;
  /** ISO time of the latest request in the increment, for the key's `usage_totals.last_used_at`. */
  readonly usedAt: string;
}

/** The later of the stored and the new last use, in an upsert on `usage_totals` (SQLite and Postgres alike). */
const LATER_USE = `CASE WHEN usage_totals.last_used_at IS NULL OR usage_totals.last_used_at < excluded.last_used_at
  THEN excluded.last_used_at ELSE usage_totals.last_used_at END`;

/** Merge increments that hit the same (key, day) so a batch issues one upsert per bucket. */
export function mergeIncrements(items: readonly UsageIncrement[]): UsageIncrement[] {
  const byBucket = new Map<string, UsageIncrement>();
  for (const it of items) {
    const id = `${it.keyId}\u0000${it.day}`;
    const prev = byBucket.get(id);
    byBucket.set(
      id,
      prev === undefined
        ? it
        : {
            keyId: it.keyId,
            day: it.day,
            requests: prev.requests + it.requests,
            promptTokens: prev.promptTokens + it.promptTokens,
            completionTokens: prev.completionTokens + it.completionTokens,
            cachedTokens: (prev.cachedTokens ?? 0) + (it.cachedTokens ?? 0),
            reasoningTokens: (prev.reasoningTokens ?? 0) + (it.reasoningTokens ?? 0),
            usedAt: prev.usedAt > it.usedAt ? prev.usedAt : it.usedAt,
          },
    );
  }
  return [...byBucket.values()];
}

/**
 * Apply increments in one transaction (totals with the last use, and day buckets), the fastest way
 * the store has: SQLite through statements prepared once, Postgres as one statement. On SQLite
 * it runs under Kysely's single connection, so never inside another caller's open transaction.
 * Increments of keys that no longer exist are dropped (a key's usage is deleted with it and is
 * never re-created); resolves with how many requests were dropped so.
 */
export function recordUsage(store: Store, items: readonly UsageIncrement[]): Promise<number> {
  if (items.length === 0) return Promise.resolve(0);
  const sqlite = store.sqlite;
  if (sqlite === undefined) return recordUsagePostgres(store.db, items).then((r) => r.dropped);
  const record = sqliteUsageRecorder(sqlite);
  return store.db.connection().execute(async () => record(items));
}

/** Records increments; returns the requests dropped because their key no longer exists. */
export type SqliteUsageRecorder = (items: readonly UsageIncrement[]) => number;

const sqliteRecorders = new WeakMap<SqliteDatabase.Database, SqliteUsageRecorder>();

/**
 * The writes of `recordUsage` for SQLite, with statements prepared once per database handle:
 * the usage writer runs this for every batch on the /v1 hot path, where building and preparing
 * the queries per batch showed up in profiles. Synchronous, like better-sqlite3 itself.
 */
export function sqliteUsageRecorder(sqlite: SqliteDatabase.Database): SqliteUsageRecorder {
  const known = sqliteRecorders.get(sqlite);
  if (known !== undefined) return known;
  // Only for a key that exists: a deleted key's usage is never re-created.
  const totals = sqlite.prepare(
    `INSERT INTO usage_totals (key_id, requests, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, last_used_at)
     SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM api_keys WHERE id = ?)
     ON CONFLICT (key_id) DO UPDATE SET requests = requests + excluded.requests,
       prompt_tokens = prompt_tokens + excluded.prompt_tokens, completion_tokens = completion_tokens + excluded.completion_tokens,
       cached_tokens = cached_tokens + excluded.cached_tokens, reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
       last_used_at = ${LATER_USE}`,
  );
  const daily = sqlite.prepare(
    `INSERT INTO usage_daily (key_id, day, requests, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (key_id, day) DO UPDATE SET requests = requests + excluded.requests,
       prompt_tokens = prompt_tokens + excluded.prompt_tokens, completion_tokens = completion_tokens + excluded.completion_tokens,
       cached_tokens = cached_tokens + excluded.cached_tokens, reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens`,
  );
  const apply = sqlite.transaction((merged: readonly UsageIncrement[]): number => {
    let dropped = 0;
    for (const it of merged) {
      const cached = it.cachedTokens ?? 0;
      const reasoning = it.reasoningTokens ?? 0;
      if (totals.run(it.keyId, it.requests, it.promptTokens, it.completionTokens, cached, reasoning, it.usedAt, it.keyId).changes === 0) {
        dropped += it.requests;
        continue;
      }
      daily.run(it.keyId, it.day, it.requests, it.promptTokens, it.completionTokens, cached, reasoning);
    }
    return dropped;
  });
  const record: SqliteUsageRecorder = (items) => (items.length === 0 ? 0 : apply(items.length === 1 ? items : mergeIncrements(items)));
  sqliteRecorders.set(sqlite, record);
  return record;
}

/** A spool segment's mark, moved by the same statement that applies increments. */
export interface SpoolMarkGuard {
  readonly spoolId: string;
  /** Apply only if the segment's mark is exactly this (nothing in between applied elsewhere). */
  readonly expected: number;
  /** The mark after these increments. */
  readonly next: number;
}

/**
 * The writes of `recordUsage` for Postgres, as ONE statement per batch: the day buckets,
 * and the totals with the last use in data-modifying CTEs over arrays (`unnest`). A statement is
 * atomic on its own, so the batch needs no BEGIN/COMMIT: one round trip instead of five, and no
 * query building per batch (the usage writer runs this on the /v1 hot path). Rows are written
 * in key order, so two replicas' batches take their row locks in the same order.
 *
 * The keys are locked FOR KEY SHARE: a key deleted concurrently either waits for this statement
 * (and then deletes its rows) or has gone, and its increments are dropped. With a guard, the
 * statement applies only while the spool segment's mark (locked FOR UPDATE) is `expected`, and
 * moves it to `next`: a batch that a caller stopped waiting for and spooled can still commit
 * late, and then its spooled copy is skipped — or the spooled copy went first, and it is.
 */
export async function recordUsagePostgres(
  db: Kysely<Database>,
  items: readonly UsageIncrement[],
  guard?: SpoolMarkGuard,
): Promise<{ applied: boolean; dropped: number }> {
  if (items.length === 0) return { applied: true, dropped: 0 };
  const daily = mergeIncrements(items).sort((a, b) => (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : a.day < b.day ? -1 : 1));
  // Totals and the last use per key (a batch spanning midnight has two day rows for one key).
  const perKey = new Map<string, { requests: number; prompt: number; completion: number; cached: number; reasoning: number; usedAt: string }>();
  for (const it of daily) {
    const k = perKey.get(it.keyId);
    if (k === undefined) {
      perKey.set(it.keyId, {
        requests: it.requests,
        prompt: it.promptTokens,
        completion: it.completionTokens,
        cached: it.cachedTokens ?? 0,
        reasoning: it.reasoningTokens ?? 0,
        usedAt: it.usedAt,
      });
    } else {
      k.requests += it.requests;
      k.prompt += it.promptTokens;
      k.completion += it.completionTokens;
      k.cached += it.cachedTokens ?? 0;
      k.reasoning += it.reasoningTokens ?? 0;
      if (it.usedAt > k.usedAt) k.usedAt = it.usedAt;
    }
  }
  const keys = [...perKey.keys()];
  const totals = [...perKey.values()];
  const ok =
    guard === undefined
      ? sql`SELECT 1 AS one`
      : sql`SELECT 1 AS one FROM (SELECT applied_seq FROM usage_spool_marks WHERE spool_id = ${guard.spoolId} FOR UPDATE) m
            WHERE m.applied_seq = ${guard.expected}`;
  const mark =
    guard === undefined
      ? sql``
      : sql`, mark AS (
      UPDATE usage_spool_marks SET applied_seq = ${guard.next} WHERE spool_id = ${guard.spoolId} AND EXISTS (SELECT 1 FROM ok)
    )`;
  const result = await sql<{ applied: number; dropped: number }>`
    WITH ok AS (${ok}), keys AS (
      SELECT id FROM api_keys WHERE id = ANY(${keys}::text[]) AND EXISTS (SELECT 1 FROM ok) ORDER BY id FOR KEY SHARE
    ), daily AS (
      INSERT INTO usage_daily AS u (key_id, day, requests, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens)
      SELECT v.* FROM unnest(${daily.map((d) => d.keyId)}::text[], ${daily.map((d) => d.day)}::text[],
        ${daily.map((d) => d.requests)}::bigint[], ${daily.map((d) => d.promptTokens)}::bigint[], ${daily.map((d) => d.completionTokens)}::bigint[],
        ${daily.map((d) => d.cachedTokens ?? 0)}::bigint[], ${daily.map((d) => d.reasoningTokens ?? 0)}::bigint[])
        AS v (key_id, day, requests, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens)
      WHERE v.key_id IN (SELECT id FROM keys)
      ON CONFLICT (key_id, day) DO UPDATE SET requests = u.requests + excluded.requests,
        prompt_tokens = u.prompt_tokens + excluded.prompt_tokens, completion_tokens = u.completion_tokens + excluded.completion_tokens,
        cached_tokens = u.cached_tokens + excluded.cached_tokens, reasoning_tokens = u.reasoning_tokens + excluded.reasoning_tokens
    ), totals AS (
      INSERT INTO usage_totals (key_id, requests, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, last_used_at)
      SELECT v.* FROM unnest(${keys}::text[], ${totals.map((t) => t.requests)}::bigint[],
        ${totals.map((t) => t.prompt)}::bigint[], ${totals.map((t) => t.completion)}::bigint[],
        ${totals.map((t) => t.cached)}::bigint[], ${totals.map((t) => t.reasoning)}::bigint[], ${totals.map((t) => t.usedAt)}::text[])
        AS v (key_id, requests, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, last_used_at)
      WHERE v.key_id IN (SELECT id FROM keys)
      ON CONFLICT (key_id) DO UPDATE SET requests = usage_totals.requests + excluded.requests,
        prompt_tokens = usage_totals.prompt_tokens + excluded.prompt_tokens, completion_tokens = usage_totals.completion_tokens + excluded.completion_tokens,
        cached_tokens = usage_totals.cached_tokens + excluded.cached_tokens, reasoning_tokens = usage_totals.reasoning_tokens + excluded.reasoning_tokens,
        last_used_at = ${sql.raw(LATER_USE)}
    )${mark}
    SELECT (SELECT count(*) FROM ok)::int AS applied,
      CASE WHEN EXISTS (SELECT 1 FROM ok) THEN (
        SELECT coalesce(sum(v.requests), 0) FROM unnest(${keys}::text[], ${totals.map((t) => t.requests)}::bigint[]) AS v (key_id, requests)
        WHERE v.key_id NOT IN (SELECT id FROM keys)
      ) ELSE 0 END::int AS dropped
  `.execute(db);
  const row = result.rows[0];
  return { applied: (row?.applied ?? 0) > 0, dropped: row?.dropped ?? 0 };
}

export interface UsageDay {
  readonly date: string;
  readonly keyId: string;
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedTokens: number;
  readonly reasoningTokens: number;
}

export interface UsageQuery {
  /** Inclusive UTC days `YYYY-MM-DD`. */
  readonly from: string;
  readonly to: string;
  readonly keyId?: string | undefined;
}

/** Per-day, per-key rows in a date range (ordered by day, then key) and their totals. */
export async function queryUsage(
  db: Kysely<Database>,
  q: UsageQuery,
): Promise<{ days: UsageDay[]; totals: { requests: number; promptTokens: number; completionTokens: number } }> {
  let query = db
    .selectFrom('usage_daily')
    .select(['key_id', 'day', 'requests', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'reasoning_tokens'])
    .where('day', '>=', q.from)
    .where('day', '<=', q.to);
  if (q.keyId !== undefined) query = query.where('key_id', '=', q.keyId);
  const rows = await query.orderBy('day').orderBy('key_id').execute();
  const totals = { requests: 0, promptTokens: 0, completionTokens: 0 };
  const days = rows.map((r) => {
    const d = {
      date: r.day,
      keyId: r.key_id,
      requests: Number(r.requests),
      promptTokens: Number(r.prompt_tokens),
      completionTokens: Number(r.completion_tokens),
      cachedTokens: Number(r.cached_tokens),
      reasoningTokens: Number(r.reasoning_tokens),
    };
    totals.requests += d.requests;
    totals.promptTokens += d.promptTokens;
    totals.completionTokens += d.completionTokens;
    return d;
  });
  return { days, totals };
}

/**
 * Marks a key used at `at` (never moves its last use back), for calls that carry no usage, like
 * GPU posts: a totals row of zeros holds the time when the key has no usage yet. Nothing for a
 * key that does not exist.
 */
export async function touchApiKey(db: Kysely<Database>, id: string, at: string): Promise<void> {
  await sql`INSERT INTO usage_totals (key_id, requests, prompt_tokens, completion_tokens, last_used_at)
    SELECT id, 0, 0, 0, ${at} FROM api_keys WHERE id = ${id}
    ON CONFLICT (key_id) DO UPDATE SET last_used_at = ${sql.raw(LATER_USE)}`.execute(db);
}
