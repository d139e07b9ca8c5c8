/**
 * The request log says how the routing chose each request's replica (its session's own, spilled
 * past a busy one, the fewest in flight, …), beside the replica itself. NULL in rows logged
 * before, and for requests never relayed.
 */
import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE request_log ADD COLUMN route text`.execute(db);
}
