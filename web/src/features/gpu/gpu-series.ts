/**
 * Groups a /api/gpu-stats answer by GPU (host + index) into what one card shows: the latest
 * reading and aligned history columns for the charts. Missing metrics stay null, so charts
 * show a gap instead of a false zero.
 */
import type { GpuSample, GpuStatsResponse } from '@contract';

/** One GPU's card data. */
export interface GpuView {
  /** Stable identity: `${host}#${index}`. */
  readonly id: string;
  readonly host: string;
  readonly index: number;
  readonly name: string;
  readonly latest: GpuSample;
  /** Seconds since the epoch, oldest first. */
  readonly x: number[];
  readonly utilization: (number | null)[];
  readonly memoryPct: (number | null)[];
  readonly temperature: (number | null)[];
  readonly power: (number | null)[];
}

/** Memory used as a percentage of total, or null when either is unknown. */
export function memoryPercent(s: Pick<GpuSample, 'memory_used_mib' | 'memory_total_mib'>): number | null {
  if (s.memory_used_mib === null || s.memory_total_mib === null || s.memory_total_mib <= 0) return null;
  return Math.min(100, (s.memory_used_mib / s.memory_total_mib) * 100);
}

function gpuId(s: Pick<GpuSample, 'host' | 'index'>): string {
  return `${s.host}#${s.index}`;
}

/** One view per GPU that has a latest sample, ordered by host then index. */
export function groupGpus(stats: GpuStatsResponse): GpuView[] {
  const history = new Map<string, GpuSample[]>();
  for (const s of stats.history) {
    const id = gpuId(s);
    const list = history.get(id);
    if (list === undefined) history.set(id, [s]);
    else list.push(s);
  }
  return [...stats.latest]
    .sort((a, b) => a.host.localeCompare(b.host) || a.index - b.index)
    .map((latest) => {
      const id = gpuId(latest);
      const samples = [...(history.get(id) ?? [latest])].sort((a, b) => Date.parse(a.recorded_at) - Date.parse(b.recorded_at));
      return {
        id,
        host: latest.host,
        index: latest.index,
        name: latest.name,
        latest,
        x: samples.map((s) => Date.parse(s.recorded_at) / 1000),
        utilization: samples.map((s) => s.utilization_pct),
        memoryPct: samples.map(memoryPercent),
        temperature: samples.map((s) => s.temperature_c),
        power: samples.map((s) => s.power_w),
      };
    });
}

/** Seconds since the GPU's last reading (how stale the card is). */
export function secondsSince(sample: GpuSample, now: number): number {
  return Math.max(0, Math.round((now - Date.parse(sample.recorded_at)) / 1000));
}
