/**
 * The request-log files a stopped gateway left (its rows the store had not taken) that a later
 * start inserted: one row per file, written in the same transaction as the file's rows, so a
 * file is inserted once whatever crashes between that transaction and the file's removal.
 */
import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE request_log_spills (
    id text PRIMARY KEY NOT NULL,
    rows integer NOT NULL,
    inserted_at text NOT NULL
  )`.execute(db);
}
