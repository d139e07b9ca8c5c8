/**
 * How far each usage spool segment (usage-spool.ts) has been applied to the counters. The mark
 * moves in the same statement or transaction as the counters it covers, so a spooled increment
 * is applied exactly once whatever crashes in between. Replaces the SQLite-only journal marks.
 */
import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`CREATE TABLE usage_spool_marks (
      spool_id text PRIMARY KEY NOT NULL,
      applied_seq integer NOT NULL
    ) WITHOUT ROWID`.execute(db);
    await sql`DROP TABLE IF EXISTS usage_journal_marks`.execute(db);
  } else {
    await sql`CREATE TABLE usage_spool_marks (
      spool_id text PRIMARY KEY NOT NULL,
      applied_seq bigint NOT NULL
    )`.execute(db);
  }
}
