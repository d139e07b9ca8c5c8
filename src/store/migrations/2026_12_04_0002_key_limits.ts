/**
 * Per-key limits: the limits themselves on `api_keys` (null = no limit), the counters the
 * gateway keeps in the store when several replicas share Postgres without Redis (one row per
 * key, locked while a request is admitted), and the per-day count of requests refused with 429.
 */
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>): Promise<void> {
  for (const column of ['limit_rpm', 'limit_tpm', 'limit_concurrency', 'limit_daily_tokens', 'limit_monthly_tokens']) {
    await db.schema.alterTable('api_keys').addColumn(column, 'bigint').execute();
  }
  // A JSON array of model names; null = every model.
  await db.schema.alterTable('api_keys').addColumn('allowed_models', 'text').execute();
  await db.schema.alterTable('api_keys').addColumn('expires_at', 'text').execute();
  await db.schema.alterTable('api_keys').addColumn('priority', 'text').execute();
  await db.schema
    .createTable('key_limit_state')
    .addColumn('key_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('key_rejections')
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('rate_limited', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('key_rejections_pk', ['key_id', 'day'])
    .execute();
}
