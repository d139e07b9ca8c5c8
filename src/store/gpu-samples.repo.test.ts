import { afterEach, describe, expect, it } from 'vitest';
import { testDialects } from '../../test/helpers/dialects.js';
import type { Store } from './db.js';
import { gpuHistory, insertGpuSamples, latestGpuSamples, pruneGpuSamples, type GpuMetrics } from './gpu-samples.repo.js';

const dialects = await testDialects();

const gpu = (index: number, util: number | null, power: number | null = 100): GpuMetrics => ({
  index,
  name: 'NVIDIA B200',
  utilizationPct: util,
  memoryUsedMib: 1000,
  memoryTotalMib: 183_359,
  temperatureC: 40,
  powerW: power,
});

for (const dialect of dialects) {
  describe(`gpu samples (${dialect.name})`, () => {
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it('keeps history and the latest reading per host and GPU', async () => {
      const s = (store = await dialect.open());
      await insertGpuSamples(s.db, 'gpu-a', '2026-03-01T10:00:05.000Z', [gpu(0, 10), gpu(1, null, null)]);
      await insertGpuSamples(s.db, 'gpu-a', '2026-03-01T10:00:10.000Z', [gpu(0, 30), gpu(1, 50)]);
      await insertGpuSamples(s.db, 'gpu-b', '2026-03-01T10:01:00.000Z', [gpu(0, 70)]);
      const latest = await latestGpuSamples(s.db);
      expect(latest.map((l) => [l.host, l.index, l.utilizationPct, l.recordedAt])).toEqual([
        ['gpu-a', 0, 30, '2026-03-01T10:00:10.000Z'],
        ['gpu-a', 1, 50, '2026-03-01T10:00:10.000Z'],
        ['gpu-b', 0, 70, '2026-03-01T10:01:00.000Z'],
      ]);
      const raw = await gpuHistory(s.db, '2026-03-01T10:00:06.000Z', 'raw');
      expect(raw.map((r) => [r.host, r.index, r.utilizationPct])).toEqual([
        ['gpu-a', 0, 30],
        ['gpu-a', 1, 50],
        ['gpu-b', 0, 70],
      ]);
      const all = await gpuHistory(s.db, '2026-03-01T00:00:00.000Z', 'raw');
      expect(all[1]).toEqual({ ...gpu(1, null, null), host: 'gpu-a', recordedAt: '2026-03-01T10:00:05.000Z' });
    });

    it('averages history into buckets, ignoring missing values', async () => {
      const s = (store = await dialect.open());
      await insertGpuSamples(s.db, 'h', '2026-03-01T10:00:05.000Z', [gpu(0, 10, null)]);
      await insertGpuSamples(s.db, 'h', '2026-03-01T10:00:35.000Z', [gpu(0, 20, 300)]);
      await insertGpuSamples(s.db, 'h', '2026-03-01T10:09:00.000Z', [gpu(0, 60)]);
      await insertGpuSamples(s.db, 'h', '2026-03-01T11:15:00.000Z', [gpu(0, 90)]);
      const byMinute = await gpuHistory(s.db, '2026-03-01T00:00:00.000Z', 'minute');
      expect(byMinute.map((r) => [r.recordedAt, r.utilizationPct, r.powerW])).toEqual([
        ['2026-03-01T10:00:00.000Z', 15, 300],
        ['2026-03-01T10:09:00.000Z', 60, 100],
        ['2026-03-01T11:15:00.000Z', 90, 100],
      ]);
      const by10 = await gpuHistory(s.db, '2026-03-01T00:00:00.000Z', '10-minutes');
      expect(by10.map((r) => [r.recordedAt, r.utilizationPct])).toEqual([
        ['2026-03-01T10:00:00.000Z', 30],
        ['2026-03-01T11:10:00.000Z', 90],
      ]);
      const byHour = await gpuHistory(s.db, '2026-03-01T00:00:00.000Z', 'hour');
      expect(byHour.map((r) => [r.recordedAt, r.utilizationPct, r.name, r.memoryTotalMib])).toEqual([
        ['2026-03-01T10:00:00.000Z', 30, 'NVIDIA B200', 183_359],
        ['2026-03-01T11:00:00.000Z', 90, 'NVIDIA B200', 183_359],
      ]);
    });

    it('prunes history and silent GPUs older than the cut-off', async () => {
      const s = (store = await dialect.open());
      await insertGpuSamples(s.db, 'old', '2026-03-01T00:00:00.000Z', [gpu(0, 1)]);
      await insertGpuSamples(s.db, 'new', '2026-03-01T00:00:00.000Z', [gpu(0, 1)]);
      await insertGpuSamples(s.db, 'new', '2026-03-09T00:00:00.000Z', [gpu(0, 2)]);
      expect(await pruneGpuSamples(s.db, '2026-03-02T00:00:00.000Z')).toBe(2);
      expect((await latestGpuSamples(s.db)).map((l) => l.host)).toEqual(['new']);
      expect((await gpuHistory(s.db, '2026-01-01T00:00:00.000Z', 'raw')).length).toBe(1);
    });
  });
}
