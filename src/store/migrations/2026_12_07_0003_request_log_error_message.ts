/**
 * The request log keeps the message of the gateway's own error answer: `error` says only its
 * kind, and a 429 of requests per minute, tokens per minute, concurrency or a used-up budget are
 * all `rate_limited`; a 400 says which field was wrong. NULL for answers without an error of the
 * gateway's own, and in rows logged before.
 */
import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE request_log ADD COLUMN error_message text`.execute(db);
}
