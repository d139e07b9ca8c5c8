/**
 * The request log says which token counts are the gateway's estimate: a stream that ended
 * without the backend's final usage (the client left, the backend failed or went silent) is
 * charged its input estimate and one token per output delta relayed. 0 in rows logged before.
 */
import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE request_log ADD COLUMN usage_estimated integer NOT NULL DEFAULT 0`.execute(db);
}
