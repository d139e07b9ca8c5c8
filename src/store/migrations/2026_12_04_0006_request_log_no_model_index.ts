/**
 * The request log without its model index: every index is paid on every insert (about a
 * fifth of the batch writer's CPU per row went to this one), and a model filter is rarely
 * used alone. A model filter now walks the key index when a key is given, otherwise the time
 * index newest first until the page is full (as an exact status already did): fast for a model
 * that is in use, a longer walk for one seen rarely in the retained days.
 */
import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS request_log_model_time`.execute(db);
}
