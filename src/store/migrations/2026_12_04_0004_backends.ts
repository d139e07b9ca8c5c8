/**
 * Backends changed at run time: one row per URL, `added` (beside the environment's
 * VLLM_BASE_URL) or `removed` (taken out of it). Every gateway reads the table every second.
 */
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('backends')
    .addColumn('url', 'text', (c) => c.primaryKey().notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'text', (c) => c.notNull())
    .execute();
}
