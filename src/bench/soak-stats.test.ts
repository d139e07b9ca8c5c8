import { describe, expect, it } from 'vitest';
import { judgeSoak, lows, slope, warmupFor, type MemSample } from './soak-stats.js';

const MIB = 1024 * 1024;

function samples(rssMiB: (t: number) => number, heapMiB: (t: number) => number, seconds = 600, every = 10): MemSample[] {
  const out: MemSample[] = [];
  for (let t = 0; t <= seconds; t += every) out.push({ t, rssBytes: rssMiB(t) * MIB, heapUsedBytes: heapMiB(t) * MIB, done: t * 100, errors: 0 });
  return out;
}

describe('soak statistics', () => {
  it('fits a least-squares slope', () => {
    expect(slope([[0, 1], [1, 3], [2, 5]])).toBeCloseTo(2);
    expect(slope([[0, 1]])).toBe(0);
    expect(slope([[1, 1], [1, 2]])).toBe(0);
  });

  it('reports the lowest value per quarter: a sawtooth whose lows stay level', () => {
    expect(lows([[0, 5], [1, 3], [2, 9], [3, 4], [4, 8], [5, 2], [6, 7], [8, 6]])).toEqual([3, 4, 2, 6]);
    expect(lows([])).toEqual([]);
    const v = judgeSoak(samples((t) => 100 + (t % 120) / 2, (t) => 30 + (t % 120) / 4), warmupFor(600));
    expect(v.rssLowsBytes.map((b) => b / MIB)).toEqual([100, 100, 100, 100]);
    expect(v.heapLowsBytes.map((b) => b / MIB)).toEqual([30, 30, 30, 30]);
  });

  it('warms up for a fifth of the run, at least 20 s', () => {
    expect(warmupFor(600)).toBe(120);
    expect(warmupFor(60)).toBe(20);
  });

  it('passes flat memory after a warm-up ramp, ignoring the ramp', () => {
    const v = judgeSoak(samples((t) => (t < 100 ? 50 + t : 150), () => 30), warmupFor(600));
    expect(v.pass).toBe(true);
    expect(v.rssGrowth).toBeCloseTo(0);
    expect(v.rssSlopeMiBPerMin).toBeCloseTo(0);
    expect(v.heapSlopeMiBPerMin).toBeCloseTo(0);
    expect(v.measured).toBe(49);
  });

  it('fails a steady leak of more than 5% and reports its slope', () => {
    // 100 MiB growing 1 MiB a minute: 8% over the 8 measured minutes.
    const v = judgeSoak(samples((t) => 100 + t / 60, (t) => 20 + t / 120), 120);
    expect(v.pass).toBe(false);
    expect(v.rssSlopeMiBPerMin).toBeCloseTo(1);
    expect(v.heapSlopeMiBPerMin).toBeCloseTo(0.5);
    expect(v.rssGrowth).toBeGreaterThan(0.05);
  });

  it('judges the trend, not where a garbage-collection cycle stopped', () => {
    // A sawtooth between 100 and 140 MiB with no trend, ending on a peak.
    const v = judgeSoak(samples((t) => 100 + ((t % 100) / 100) * 40, () => 20, 590), 120);
    expect(Math.abs(v.rssGrowth)).toBeLessThan(0.05);
    expect(v.pass).toBe(true);
    // One spike mid-run moves the line, not its slope.
    const spike = judgeSoak(samples((t) => (t === 360 ? 400 : 100), () => 20), 120);
    expect(spike.rssGrowth).toBeCloseTo(0);
  });

  it('refuses a run too short to judge', () => {
    expect(() => judgeSoak(samples(() => 100, () => 20, 30, 10), 20)).toThrow(/at least 4 samples/);
  });
});
