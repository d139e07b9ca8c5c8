/**
 * The request log keeps how long a request waited in the gateway's fair queue for a free slot
 * of its model (PROXY_REPLICA_SLOTS): its time to first byte includes that wait, and this says
 * which part of it the gateway's queue was. NULL for requests that did not wait, and in rows
 * logged before.
 */
import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE request_log ADD COLUMN queued_ms integer`.execute(db);
}
