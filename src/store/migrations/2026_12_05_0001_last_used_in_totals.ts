/**
 * A key's last use moves from `api_keys` to its `usage_totals` row. The usage commit already
 * writes that row; updating `api_keys` as well made every commit write a third b-tree page
 * (on SQLite two more `pwrite` calls and a third of the commit's time, on Postgres a new
 * `api_keys` row version per batch). Keys used only by calls that carry no usage (GPU posts)
 * get a totals row of zeros holding the time.
 */
import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE usage_totals ADD COLUMN last_used_at text`.execute(db);
  await sql`UPDATE usage_totals SET last_used_at = (SELECT k.last_used_at FROM api_keys k WHERE k.id = usage_totals.key_id)`.execute(db);
  await sql`INSERT INTO usage_totals (key_id, requests, prompt_tokens, completion_tokens, last_used_at)
    SELECT id, 0, 0, 0, last_used_at FROM api_keys
    WHERE last_used_at IS NOT NULL AND id NOT IN (SELECT key_id FROM usage_totals)`.execute(db);
  await sql`ALTER TABLE api_keys DROP COLUMN last_used_at`.execute(db);
}
