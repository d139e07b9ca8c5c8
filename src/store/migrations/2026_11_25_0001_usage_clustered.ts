/**
 * SQLite only: the usage tables become clustered (WITHOUT ROWID) tables. Every /v1 request
 * commits one upsert into each, and a rowid table with a separate primary-key index (plus the
 * covering index on usage_daily) made each commit write five b-tree pages to the WAL; clustered
 * tables write two. usage_daily is keyed (day, key_id), so the usage report's day-range sums
 * read the table itself in order and the covering index is no longer needed. Postgres keeps
 * its heap tables and indexes (its commits are batched and off the gateway's CPU).
 */
import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect !== 'sqlite') return;
  // One transaction: a crash mid-way leaves the old tables intact, never half-copied ones.
  await db.transaction().execute(async (trx) => {
    await rebuild(trx);
  });
}

async function rebuild(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE usage_totals_clustered (
    key_id text PRIMARY KEY NOT NULL,
    requests bigint NOT NULL DEFAULT 0,
    prompt_tokens bigint NOT NULL DEFAULT 0,
    completion_tokens bigint NOT NULL DEFAULT 0
  ) WITHOUT ROWID`.execute(db);
  await sql`INSERT INTO usage_totals_clustered SELECT key_id, requests, prompt_tokens, completion_tokens FROM usage_totals`.execute(db);
  await sql`DROP TABLE usage_totals`.execute(db);
  await sql`ALTER TABLE usage_totals_clustered RENAME TO usage_totals`.execute(db);

  await sql`CREATE TABLE usage_daily_clustered (
    key_id text NOT NULL,
    day text NOT NULL,
    requests bigint NOT NULL DEFAULT 0,
    prompt_tokens bigint NOT NULL DEFAULT 0,
    completion_tokens bigint NOT NULL DEFAULT 0,
    CONSTRAINT usage_daily_pk PRIMARY KEY (day, key_id)
  ) WITHOUT ROWID`.execute(db);
  await sql`INSERT INTO usage_daily_clustered SELECT key_id, day, requests, prompt_tokens, completion_tokens FROM usage_daily`.execute(db);
  // Dropping the table drops its indexes (usage_daily_day_cover_idx) with it.
  await sql`DROP TABLE usage_daily`.execute(db);
  await sql`ALTER TABLE usage_daily_clustered RENAME TO usage_daily`.execute(db);
}
