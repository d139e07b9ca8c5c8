/**
 * The soak's verdict from memory samples over time: everything before the warm-up is ignored
 * (caches, JIT and pools fill then); over the rest, the least-squares line of RSS (and of the
 * heap) gives the slope and the growth, from the line's value at the first measured sample to
 * its value at the last. RSS rises and falls by a quarter with garbage collection, so a line
 * through every sample judges a trend where two end points would judge where in that cycle
 * the run happened to stop.
 */

export interface MemSample {
  /** Seconds since the load started. */
  readonly t: number;
  readonly rssBytes: number;
  /** V8 heap in use, from the gateway's /metrics; undefined when the scrape failed. */
  readonly heapUsedBytes: number | undefined;
  /** The heap V8 holds from the system (used and free), and memory outside it (Buffers); optional. */
  readonly heapTotalBytes?: number | undefined;
  readonly externalBytes?: number | undefined;
  /** Requests finished (all kinds) and failed so far. */
  readonly done: number;
  readonly errors: number;
}

export interface SoakVerdict {
  readonly warmupS: number;
  /** Samples after the warm-up. */
  readonly measured: number;
  /** The fitted line's RSS at the first and the last measured sample. */
  readonly rssStartBytes: number;
  readonly rssEndBytes: number;
  /** (end − start) ÷ start. */
  readonly rssGrowth: number;
  readonly rssSlopeMiBPerMin: number;
  readonly heapStartBytes: number | undefined;
  readonly heapEndBytes: number | undefined;
  readonly heapSlopeMiBPerMin: number | undefined;
  /**
   * The lowest RSS and heap in each quarter of the measured part: what survives garbage
   * collection. Level lows under a rising line mean a collection cycle, not a leak.
   */
  readonly rssLowsBytes: readonly number[];
  readonly heapLowsBytes: readonly number[];
  /** RSS growth under `limit`. */
  readonly pass: boolean;
  readonly limit: number;
}

const MIB = 1024 * 1024;

/** Least-squares line of y over x as [slope, intercept]; slope 0 with fewer than two distinct x. */
export function fitLine(points: readonly (readonly [number, number])[]): [number, number] {
  const n = points.length;
  if (n === 0) return [0, 0];
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
  const b = den === 0 ? 0 : num / den;
  return [b, my - b * mx];
}

/** Least-squares slope of y over x. */
export function slope(points: readonly (readonly [number, number])[]): number {
  return fitLine(points)[0];
}

/** The warm-up of a soak of `durationS`: a fifth of it, at least 20 s. */
export function warmupFor(durationS: number): number {
  return Math.max(20, durationS / 5);
}

/** The lowest value in each of `parts` equal stretches of time (stretches without a sample are left out). */
export function lows(points: readonly (readonly [number, number])[], parts = 4): number[] {
  if (points.length === 0) return [];
  const t0 = points[0]![0];
  const span = points[points.length - 1]![0] - t0;
  const out: (number | undefined)[] = new Array<number | undefined>(parts).fill(undefined);
  for (const [t, y] of points) {
    const i = span === 0 ? 0 : Math.min(parts - 1, Math.floor(((t - t0) / span) * parts));
    const cur = out[i];
    if (cur === undefined || y < cur) out[i] = y;
  }
  return out.filter((y): y is number => y !== undefined);
}

/** Judges the samples taken after `warmupS`; throws when fewer than 4 remain. */
export function judgeSoak(samples: readonly MemSample[], warmupS: number, limit = 0.05): SoakVerdict {
  const after = samples.filter((s) => s.t >= warmupS);
  if (after.length < 4) throw new Error(`the soak needs at least 4 samples after the warm-up (got ${after.length}): run it longer`);
  const first = (after[0] as MemSample).t;
  const last = (after[after.length - 1] as MemSample).t;
  const [rssSlope, rssAt0] = fitLine(after.map((s) => [s.t, s.rssBytes]));
  const rssStart = rssAt0 + rssSlope * first;
  const rssEnd = rssAt0 + rssSlope * last;
  const heap = after.filter((s) => s.heapUsedBytes !== undefined) as (MemSample & { heapUsedBytes: number })[];
  const heapOk = heap.length >= 4;
  const [heapSlope, heapAt0] = fitLine(heap.map((s) => [s.t, s.heapUsedBytes]));
  const growth = (rssEnd - rssStart) / rssStart;
  return {
    warmupS,
    measured: after.length,
    rssStartBytes: rssStart,
    rssEndBytes: rssEnd,
    rssGrowth: growth,
    rssSlopeMiBPerMin: (rssSlope * 60) / MIB,
    heapStartBytes: heapOk ? heapAt0 + heapSlope * first : undefined,
    heapEndBytes: heapOk ? heapAt0 + heapSlope * last : undefined,
    heapSlopeMiBPerMin: heapOk ? (heapSlope * 60) / MIB : undefined,
    rssLowsBytes: lows(after.map((s) => [s.t, s.rssBytes])),
    heapLowsBytes: lows(heap.map((s) => [s.t, s.heapUsedBytes])),
    pass: growth < limit,
    limit,
  };
}
