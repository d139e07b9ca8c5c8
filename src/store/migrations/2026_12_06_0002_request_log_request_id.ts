/**
 * The request log keeps the id the gateway sent back with each request (`x-request-id`, or
 * `request-id` on the Anthropic surface), so a request a client names by its id is found. No
 * index: the id carries its arrival time, and the lookup walks the time index around it.
 * Rows logged before have none.
 */
import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE request_log ADD COLUMN request_id text`.execute(db);
}
