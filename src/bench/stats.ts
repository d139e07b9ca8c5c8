/**
 * Summary statistics for the benchmark: percentiles of latency samples, and the median and
 * spread of a figure across repetitions (docs/benchmark.md reports medians with their spread).
 */

/** The p-th percentile (0..100) of `sorted` (ascending), by nearest rank; NaN when empty. */
function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1));
  return sorted[rank] as number;
}

/** Several percentiles of unsorted samples (copied, then sorted once). */
export function percentiles(samples: ArrayLike<number>, ps: readonly number[]): number[] {
  const sorted = Float64Array.from(samples).sort();
  return ps.map((p) => percentileSorted(sorted, p));
}

/** The median of a list; NaN when empty. For an even count, the mean of the middle two. */
export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/** Median and spread of one figure over repetitions. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max − min) / median, as a fraction; NaN when the median is 0 or unknown. */
  readonly spread: number;
  readonly values: readonly number[];
}

/** Summarises repetitions; non-finite values (a failed repetition) are ignored. */
export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((x) => Number.isFinite(x));
  const med = median(finite);
  const min = finite.length === 0 ? NaN : Math.min(...finite);
  const max = finite.length === 0 ? NaN : Math.max(...finite);
  return { median: med, min, max, spread: med !== 0 && Number.isFinite(med) ? (max - min) / Math.abs(med) : NaN, values };
}

/**
 * A fixed-bucket histogram of durations in microseconds, so a client can record millions
 * of samples in bounded memory: 1 µs buckets up to 10 ms, then 100 µs buckets up to 60 s.
 */
export class Histogram {
  private readonly fine = new Uint32Array(10_000);
  private readonly coarse = new Uint32Array(600_000);
  count = 0;

  /** Records one duration in microseconds (negative values count as 0). */
  record(us: number): void {
    const v = us < 0 ? 0 : us;
    this.count++;
    if (v < 10_000) this.fine[Math.floor(v)]! += 1;
    else this.coarse[Math.min(this.coarse.length - 1, Math.floor(v / 100))]! += 1;
  }

  /** The p-th percentile in microseconds (bucket lower bound); NaN when empty. */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const target = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < this.fine.length; i++) {
      seen += this.fine[i]!;
      if (seen >= target) return i;
    }
    for (let i = 100; i < this.coarse.length; i++) {
      seen += this.coarse[i]!;
      if (seen >= target) return i * 100;
    }
    return (this.coarse.length - 1) * 100;
  }
}
