/**
 * The soak's verdict from memory samples over time: everything before the warm-up is ignored
 * (caches, JIT and pools fill then), the rest gives the least-squares slope of RSS and heap and
 * the RSS growth from the start of the measured part to its end, each end taken as the median
 * of a few samples so one garbage collection does not decide the result.
 */

export interface MemSample {
  /** Seconds since the load started. */
  readonly t: number;
  readonly rssBytes: number;
  /** V8 heap in use, from the gateway's /metrics; undefined when the scrape failed. */
  readonly heapUsedBytes: number | undefined;
  /** Requests finished (all kinds) and failed so far. */
  readonly done: number;
  readonly errors: number;
}

export interface SoakVerdict {
  readonly warmupS: number;
  /** Samples after the warm-up. */
  readonly measured: number;
  readonly rssStartBytes: number;
  readonly rssEndBytes: number;
  /** (end − start) ÷ start. */
  readonly rssGrowth: number;
  readonly rssSlopeMiBPerMin: number;
  readonly heapStartBytes: number | undefined;
  readonly heapEndBytes: number | undefined;
  readonly heapSlopeMiBPerMin: number | undefined;
  /** RSS growth under `limit`. */
  readonly pass: boolean;
  readonly limit: number;
}

const MIB = 1024 * 1024;

/** Least-squares slope of y over x; 0 with fewer than two distinct x. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) * (x - mx);
  }
  return den === 0 ? 0 : num / den;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The warm-up of a soak of `durationS`: a fifth of it, at least 20 s. */
export function warmupFor(durationS: number): number {
  return Math.max(20, durationS / 5);
}

/** Judges the samples taken after `warmupS`; throws when fewer than 4 remain. */
export function judgeSoak(samples: readonly MemSample[], warmupS: number, limit = 0.05): SoakVerdict {
  const after = samples.filter((s) => s.t >= warmupS);
  if (after.length < 4) throw new Error(`the soak needs at least 4 samples after the warm-up (got ${after.length}): run it longer`);
  const k = Math.max(2, Math.floor(after.length / 10));
  const rssStart = median(after.slice(0, k).map((s) => s.rssBytes));
  const rssEnd = median(after.slice(-k).map((s) => s.rssBytes));
  const heap = after.filter((s) => s.heapUsedBytes !== undefined) as (MemSample & { heapUsedBytes: number })[];
  const heapOk = heap.length >= 4;
  const growth = (rssEnd - rssStart) / rssStart;
  return {
    warmupS,
    measured: after.length,
    rssStartBytes: rssStart,
    rssEndBytes: rssEnd,
    rssGrowth: growth,
    rssSlopeMiBPerMin: slope(after.map((s) => [s.t / 60, s.rssBytes / MIB])),
    heapStartBytes: heapOk ? median(heap.slice(0, k).map((s) => s.heapUsedBytes)) : undefined,
    heapEndBytes: heapOk ? median(heap.slice(-k).map((s) => s.heapUsedBytes)) : undefined,
    heapSlopeMiBPerMin: heapOk ? slope(heap.map((s) => [s.t / 60, s.heapUsedBytes / MIB])) : undefined,
    pass: growth < limit,
    limit,
  };
}
