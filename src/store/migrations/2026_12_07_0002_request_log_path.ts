/**
 * The request log keeps the path each request called (without its query string): requests to
 * endpoints the gateway forwards without reading them (rerank, score, audio, anything new in
 * vLLM) are all `other` in the endpoint column, and the path tells them apart. NULL in rows
 * logged before.
 */
import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE request_log ADD COLUMN path text`.execute(db);
}
