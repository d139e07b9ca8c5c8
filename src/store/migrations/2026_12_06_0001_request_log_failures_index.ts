/**
 * The request log's index of failures: besides answers ≥ 400, a stream whose backend failed after
 * the response had started (status 200, result `upstream-error`: the client got an error event
 * in the stream). Those are the failures users notice most; the `errors` filter finds them off
 * this index, as it found answers ≥ 400 before.
 */
import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS request_log_errors_time`.execute(db);
  await sql`CREATE INDEX request_log_failures_time ON request_log (time, id) WHERE (status >= 400 OR result = 'upstream-error')`.execute(db);
}
