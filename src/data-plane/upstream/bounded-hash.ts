/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam): each replica
 * owns many points on a 32-bit ring; a key goes to the first replica clockwise from its hash
 * whose load stays within `factor` × the mean once the new request is counted, otherwise the
 * walk goes on. A replica joining or leaving moves only the keys it owns; locality is kept as
 * far as the load allows. Up to `hold` in flight (the new request counted) a member keeps its
 * keys whatever the mean: an inference server batches many requests at once, so at low load a
 * few more on one replica cost it next to nothing, where a key passed on loses its cache.
 */

/** Points per replica: enough for an even split between a handful of replicas. */
const POINTS = 64;

const NEVER = (): boolean => false;

function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // A final avalanche so that near-equal names spread over the ring.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A string key's position on the ring. */
export function ringPosition(key: string): number {
  return fnv(key);
}

export class Ring<T> {
  private readonly points: Uint32Array;
  private readonly owners: T[];

  constructor(readonly members: readonly T[], name: (m: T) => string) {
    const all: { pos: number; owner: T }[] = [];
    for (const m of members) {
      const n = name(m);
      for (let i = 0; i < POINTS; i++) all.push({ pos: fnv(`${n}#${i}`), owner: m });
    }
    all.sort((a, b) => a.pos - b.pos);
    this.points = Uint32Array.from(all.map((p) => p.pos));
    this.owners = all.map((p) => p.owner);
  }

  /** Index of the first point at or after `pos` (wrapping). */
  private first(pos: number): number {
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.points[mid] as number) < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.points.length ? 0 : lo;
  }

  /** The member that owns `pos`: the one `pick` takes while its load allows. */
  home(pos: number): T | undefined {
    return this.owners[this.first(pos)];
  }

  /**
   * The first member clockwise from `pos` that is not `full` and whose load, with this request,
   * stays within `factor` × the mean or, unless it is `busy` otherwise, within `hold`; else the
   * least loaded (one not `full` first); undefined when the ring is empty.
   */
  pick(pos: number, load: (m: T) => number, factor: number, hold: number, busy: (m: T) => boolean = NEVER, full: (m: T) => boolean = NEVER): T | undefined {
    const n = this.members.length;
    if (n === 0) return undefined;
    let total = 0;
    for (const m of this.members) total += load(m);
    // No ceil: with few requests in flight a rounded-up bound lets one replica take them all.
    const bound = (factor * (total + 1)) / n;
    const seen = new Set<T>();
    const len = this.owners.length;
    for (let k = 0, i = this.first(pos); k < len && seen.size < n; k++, i = (i + 1) % len) {
      const m = this.owners[i] as T;
      if (seen.has(m)) continue;
      seen.add(m);
      if (full(m)) continue;
      const l = load(m) + 1;
      if (l <= bound || (l <= hold && !busy(m))) return m;
    }
    // Everyone is at the bound: the least loaded, first in ring order (one with room first).
    return leastLoaded(seen, load, full);
  }
}

/** The member with the least load, one that is not `full` first; the first of equals; undefined for none. */
export function leastLoaded<T>(members: Iterable<T>, load: (m: T) => number, full: (m: T) => boolean = NEVER): T | undefined {
  let best: T | undefined;
  for (const m of members) if (best === undefined || (full(best) && !full(m)) || (full(best) === full(m) && load(m) < load(best))) best = m;
  return best;
}
