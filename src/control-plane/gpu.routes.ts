/**
 * GPU telemetry: `POST /api/gpu-stats` (API key, from `worv-proxy gpu-agent`)
 * stores readings; `GET /api/gpu-stats?minutes=N` (session) returns the latest reading per
 * GPU and the history, averaged into buckets for long windows. History older than
 * GPU_RETENTION_DAYS is deleted at start and then at most every ten minutes on write.
 */
import type { FastifyInstance } from 'fastify';
import { isoTime } from '../core/clock.js';
import {
  GPU_MINUTES_DEFAULT,
  GpuStatsPost,
  GpuStatsQuery,
  type GpuSample,
  type GpuStatsPostResponse,
  type GpuStatsResponse,
} from '../shared/api-contract.js';
import { touchApiKey } from '../store/usage.repo.js';
import { gpuHistory, insertGpuSamples, latestGpuSamples, pruneGpuSamples, type GpuBucket, type GpuSampleRecord } from '../store/gpu-samples.repo.js';
import type { RouteDeps } from './deps.js';
import { parseOr400 } from './parse.js';

const PRUNE_EVERY_MS = 10 * 60_000;

/** Resolution per window, keeping at most ~720 points per GPU (a 5 s agent for an hour). */
const BUCKETS: ReadonlyArray<{ readonly upToMinutes: number; readonly bucket: GpuBucket; readonly seconds: number }> = [
  { upToMinutes: 60, bucket: 'raw', seconds: 0 },
  { upToMinutes: 720, bucket: 'minute', seconds: 60 },
  { upToMinutes: 7200, bucket: '10-minutes', seconds: 600 },
  { upToMinutes: Number.POSITIVE_INFINITY, bucket: 'hour', seconds: 3600 },
];

function toWire(s: GpuSampleRecord): GpuSample {
  return {
    host: s.host,
    index: s.index,
    name: s.name,
    utilization_pct: s.utilizationPct,
    memory_used_mib: s.memoryUsedMib,
    memory_total_mib: s.memoryTotalMib,
    temperature_c: s.temperatureC,
    power_w: s.powerW,
    recorded_at: s.recordedAt,
  };
}

export function gpuRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db } = deps.store;
  let lastPrune = deps.clock.now();

  app.post('/gpu-stats', { config: { access: 'api-key' } }, async (request): Promise<GpuStatsPostResponse> => {
    const body = parseOr400(GpuStatsPost, request.body);
    const now = deps.clock.now();
    const recordedAt = isoTime(now);
    await insertGpuSamples(
      db,
      body.host ?? request.ip,
      recordedAt,
      body.gpus.map((g) => ({
        index: g.index,
        name: g.name,
        utilizationPct: g.utilization_pct ?? null,
        memoryUsedMib: g.memory_used_mib ?? null,
        memoryTotalMib: g.memory_total_mib ?? null,
        temperatureC: g.temperature_c ?? null,
        powerW: g.power_w ?? null,
      })),
    );
    // The agent's key shows as used in the console like any key that calls /v1.
    if (request.apiKey !== undefined) await touchApiKey(db, request.apiKey.id, recordedAt);
    if (now - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = now;
      await pruneGpuSamples(db, isoTime(now - deps.config.gpuRetentionDays * 86_400_000));
    }
    return { stored: body.gpus.length, recorded_at: recordedAt };
  });

  app.get('/gpu-stats', async (request): Promise<GpuStatsResponse> => {
    const minutes = parseOr400(GpuStatsQuery, request.query).minutes ?? GPU_MINUTES_DEFAULT;
    const res = BUCKETS.find((b) => minutes <= b.upToMinutes) ?? { bucket: 'hour', seconds: 3600 };
    const since = isoTime(deps.clock.now() - minutes * 60_000);
    const [latest, history] = await Promise.all([latestGpuSamples(db), gpuHistory(db, since, res.bucket)]);
    return { minutes, bucket_seconds: res.seconds, latest: latest.map(toWire), history: history.map(toWire) };
  });
}
