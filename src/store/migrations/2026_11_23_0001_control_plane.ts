/**
 * Control-plane additions: the latest GPU reading per (host, GPU), kept beside the sample
 * history so the telemetry page never scans history for "now"; and an index to revoke a
 * user's sessions when their password changes. Frozen in time (Kysely<any>, portable types).
 */
import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('gpu_latest')
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('gpu_index', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('utilization_pct', 'double precision')
    .addColumn('memory_used_mib', 'double precision')
    .addColumn('memory_total_mib', 'double precision')
    .addColumn('temperature_c', 'double precision')
    .addColumn('power_w', 'double precision')
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('gpu_latest_pk', ['host', 'gpu_index'])
    .execute();
  await db.schema.createIndex('sessions_username_idx').on('sessions').column('username').execute();
}
