/**
 * SQLite only: how far each usage journal (since replaced by the usage spool) has been folded into the
 * counters. The mark moves in the same transaction as the counters, so a journal entry is
 * applied exactly once whatever crashes between a fold and the journal's cleanup.
 */
import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect !== 'sqlite') return;
  await sql`CREATE TABLE usage_journal_marks (
    journal_id text PRIMARY KEY NOT NULL,
    folded_seq integer NOT NULL
  ) WITHOUT ROWID`.execute(db);
}
