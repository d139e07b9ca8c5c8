import { describe, expect, it } from 'vitest';
import { Histogram, median, percentiles, summarize } from './stats.js';

describe('percentiles and medians', () => {
  it('takes the nearest rank', () => {
    expect(percentiles([5, 1, 4, 2, 3], [0, 50, 90, 100])).toEqual([1, 3, 5, 5]);
    expect(percentiles([], [50])).toEqual([NaN]);
  });
  it('averages the middle two of an even count and ignores NaN', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 7])).toBe(7);
    expect(median([])).toBeNaN();
  });
  it('summarises repetitions with their spread', () => {
    expect(summarize([10, 12, 11])).toEqual({ median: 11, min: 10, max: 12, spread: 2 / 11, values: [10, 12, 11] });
  });
});

describe('Histogram', () => {
  it('keeps 1 µs buckets below 10 ms and 100 µs buckets above', () => {
    const h = new Histogram();
    for (const v of [5, 5, 7, 12_345, 99_999]) h.record(v);
    expect(h.count).toBe(5);
    expect(h.percentile(40)).toBe(5);
    expect(h.percentile(60)).toBe(7);
    expect(h.percentile(80)).toBe(12_300);
    expect(h.percentile(100)).toBe(99_900);
  });
  it('is NaN when empty and clamps negatives to 0', () => {
    const h = new Histogram();
    expect(h.percentile(50)).toBeNaN();
    h.record(-3);
    expect(h.percentile(50)).toBe(0);
  });
});
