/**
 * Usage reports sum every (day, key) bucket of a range. A covering index on (day, key_id)
 * that also carries the counters lets SQLite answer those sums from the index alone,
 * instead of one table lookup per bucket. It replaces the narrower (day, key_id) index.
 */
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('usage_daily_day_idx').execute();
  await db.schema
    .createIndex('usage_daily_day_cover_idx')
    .on('usage_daily')
    .columns(['day', 'key_id', 'requests', 'prompt_tokens', 'completion_tokens'])
    .execute();
}
