/** GET /api/gpu-stats: the latest sample per GPU and the recent history. */
import { GpuStatsResponse } from '@contract';
import { apiGet } from '../../lib/api-client';

/** Telemetry for the last `minutes`. */
export function fetchGpuStats(minutes: number, signal?: AbortSignal): Promise<GpuStatsResponse> {
  return apiGet(`/api/gpu-stats?minutes=${minutes}`, GpuStatsResponse, signal);
}
