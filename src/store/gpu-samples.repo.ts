/**
 * GPU telemetry: every reading goes into the history (`gpu_samples`) and replaces the
 * per-GPU latest row (`gpu_latest`) in one transaction. History reads average into
 * calendar buckets (minute, 10 minutes, hour) by prefix of the ISO time, which both dialects
 * compute the same way. Retention deletes history and stale latest rows older than a cut-off.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, GpuLatestTable } from './schema.js';

/** One GPU's metrics; null where the GPU did not report a value. */
export interface GpuMetrics {
  readonly index: number;
  readonly name: string;
  readonly utilizationPct: number | null;
  readonly memoryUsedMib: number | null;
  readonly memoryTotalMib: number | null;
  readonly temperatureC: number | null;
  readonly powerW: number | null;
}

/** A stored reading. */
export interface GpuSampleRecord extends GpuMetrics {
  readonly host: string;
  readonly recordedAt: string;
}

/** History resolution: raw samples, or the ISO-prefix length that defines a bucket. */
export type GpuBucket = 'raw' | 'minute' | '10-minutes' | 'hour';

const PREFIX: Readonly<Record<Exclude<GpuBucket, 'raw'>, { len: number; pad: string }>> = {
  minute: { len: 16, pad: ':00.000Z' }, // 2026-11-23T10:42
  '10-minutes': { len: 15, pad: '0:00.000Z' }, // 2026-11-23T10:4
  hour: { len: 13, pad: ':00:00.000Z' }, // 2026-11-23T10
};

function toRow(host: string, recordedAt: string, g: GpuMetrics): GpuLatestTable {
  return {
    host,
    gpu_index: g.index,
    name: g.name,
    utilization_pct: g.utilizationPct,
    memory_used_mib: g.memoryUsedMib,
    memory_total_mib: g.memoryTotalMib,
    temperature_c: g.temperatureC,
    power_w: g.powerW,
    recorded_at: recordedAt,
  };
}

function fromRow(r: GpuLatestTable): GpuSampleRecord {
  const num = (v: number | string | null) => (v === null ? null : Number(v));
  return {
    host: r.host,
    index: Number(r.gpu_index),
    name: r.name,
    utilizationPct: num(r.utilization_pct),
    memoryUsedMib: num(r.memory_used_mib),
    memoryTotalMib: num(r.memory_total_mib),
    temperatureC: num(r.temperature_c),
    powerW: num(r.power_w),
    recordedAt: r.recorded_at,
  };
}

/** Store one post's readings (history + latest) at `recordedAt` (ISO). */
export async function insertGpuSamples(
  db: Kysely<Database>,
  host: string,
  recordedAt: string,
  gpus: readonly GpuMetrics[],
): Promise<void> {
  if (gpus.length === 0) return;
  const rows = gpus.map((g) => toRow(host, recordedAt, g));
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('gpu_samples').values(rows).execute();
    await trx
      .insertInto('gpu_latest')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['host', 'gpu_index']).doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          utilization_pct: eb.ref('excluded.utilization_pct'),
          memory_used_mib: eb.ref('excluded.memory_used_mib'),
          memory_total_mib: eb.ref('excluded.memory_total_mib'),
          temperature_c: eb.ref('excluded.temperature_c'),
          power_w: eb.ref('excluded.power_w'),
          recorded_at: eb.ref('excluded.recorded_at'),
        })),
      )
      .execute();
  });
}

/** The latest reading of every known GPU, by host then index. */
export async function latestGpuSamples(db: Kysely<Database>): Promise<GpuSampleRecord[]> {
  const rows = await db.selectFrom('gpu_latest').selectAll().orderBy('host').orderBy('gpu_index').execute();
  return rows.map(fromRow);
}

/** Readings since `since` (ISO), oldest first; bucketed ones are averages stamped with the bucket start. */
export async function gpuHistory(db: Kysely<Database>, since: string, bucket: GpuBucket): Promise<GpuSampleRecord[]> {
  if (bucket === 'raw') {
    const rows = await db
      .selectFrom('gpu_samples')
      .select(['host', 'gpu_index', 'name', 'utilization_pct', 'memory_used_mib', 'memory_total_mib', 'temperature_c', 'power_w', 'recorded_at'])
      .where('recorded_at', '>=', since)
      .orderBy('recorded_at')
      .orderBy('host')
      .orderBy('gpu_index')
      .execute();
    return rows.map(fromRow);
  }
  const { len, pad } = PREFIX[bucket];
  const slot = sql<string>`substr(recorded_at, 1, ${sql.lit(len)})`;
  const rows = await db
    .selectFrom('gpu_samples')
    .select((eb) => [
      'host',
      'gpu_index',
      slot.as('slot'),
      eb.fn.max('name').as('name'),
      eb.fn.avg<number | null>('utilization_pct').as('utilization_pct'),
      eb.fn.avg<number | null>('memory_used_mib').as('memory_used_mib'),
      eb.fn.avg<number | null>('memory_total_mib').as('memory_total_mib'),
      eb.fn.avg<number | null>('temperature_c').as('temperature_c'),
      eb.fn.avg<number | null>('power_w').as('power_w'),
    ])
    .where('recorded_at', '>=', since)
    .groupBy(['host', 'gpu_index', slot])
    .orderBy('slot')
    .orderBy('host')
    .orderBy('gpu_index')
    .execute();
  return rows.map((r) => fromRow({ ...r, name: String(r.name), recorded_at: r.slot + pad }));
}

/** Delete history older than `before` (ISO), and latest rows of GPUs silent since then. */
export async function pruneGpuSamples(db: Kysely<Database>, before: string): Promise<number> {
  const res = await db.deleteFrom('gpu_samples').where('recorded_at', '<', before).executeTakeFirst();
  await db.deleteFrom('gpu_latest').where('recorded_at', '<', before).execute();
  return Number(res.numDeletedRows);
}
