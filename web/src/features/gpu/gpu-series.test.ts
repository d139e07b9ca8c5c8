import { describe, expect, it } from 'vitest';
import type { GpuSample } from '@contract';
import { groupGpus, memoryPercent, secondsSince } from './gpu-series';

const sample = (host: string, index: number, at: string, util: number | null, used: number | null = 1024): GpuSample => ({
  host,
  index,
  name: 'NVIDIA B200',
  utilization_pct: util,
  memory_used_mib: used,
  memory_total_mib: 4096,
  temperature_c: 50,
  power_w: 400,
  recorded_at: at,
});

describe('gpu series', () => {
  it('groups history per GPU, oldest first, ordered by host and index', () => {
    const latest = [sample('b', 0, '2026-11-22T10:00:10Z', 90), sample('a', 1, '2026-11-22T10:00:10Z', 70), sample('a', 0, '2026-11-22T10:00:10Z', 20)];
    const history = [
      sample('a', 0, '2026-11-22T10:00:10Z', 20),
      sample('a', 0, '2026-11-22T10:00:05Z', 10, null),
      sample('a', 1, '2026-11-22T10:00:10Z', 70),
      sample('b', 0, '2026-11-22T10:00:10Z', 90),
    ];
    const gpus = groupGpus({ minutes: 60, bucket_seconds: 0, latest, history });
    expect(gpus.map((g) => g.id)).toEqual(['a#0', 'a#1', 'b#0']);
    const a0 = gpus[0]!;
    expect(a0.x).toEqual([Date.parse('2026-11-22T10:00:05Z') / 1000, Date.parse('2026-11-22T10:00:10Z') / 1000]);
    expect(a0.utilization).toEqual([10, 20]);
    expect(a0.memoryPct).toEqual([null, 25]);
  });

  it('a GPU with no history still charts its latest reading', () => {
    const gpus = groupGpus({ minutes: 60, bucket_seconds: 0, latest: [sample('h', 3, '2026-11-22T10:00:00Z', null)], history: [] });
    expect(gpus[0]!.utilization).toEqual([null]);
  });

  it('memory percent and staleness', () => {
    expect(memoryPercent({ memory_used_mib: 512, memory_total_mib: 2048 })).toBe(25);
    expect(memoryPercent({ memory_used_mib: 512, memory_total_mib: 0 })).toBeNull();
    expect(secondsSince(sample('h', 0, '2026-11-22T10:00:00Z', 1), Date.parse('2026-11-22T10:01:30Z'))).toBe(90);
  });
});
