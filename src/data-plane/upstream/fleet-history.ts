/**
 * A short in-memory history per replica, one sample per probe round (fleet-state.ts calls
 * `sample` after each): requests in flight, the engine's running and waiting requests, KV-cache
 * use, the prefix-cache hit rate since the previous round, and the requests routed there. It
 * reads what the probe already scraped; it never calls a backend itself.
 */
import type { ReplicaState } from './fleet-state.js';
import { routedTotal, type Replica } from './replicas.js';

export interface HistorySample {
  /** Epoch ms. */
  readonly at: number;
  readonly inFlight: number;
  readonly running: number | undefined;
  readonly waiting: number | undefined;
  readonly kvCacheUsage: number | undefined;
  /** Hits ÷ queries since the previous sample; undefined when nothing was queried. */
  readonly prefixHitRate: number | undefined;
  readonly routed: number;
  /** The engine's cumulative prefix-cache counters at this sample. */
  readonly prefixHits: number | undefined;
  readonly prefixQueries: number | undefined;
}

export interface FleetHistory {
  /** Records one sample of every replica in use (and forgets removed ones). */
  sample(): void;
  /** Oldest first. */
  of(origin: string): readonly HistorySample[];
  readonly size: number;
}

export interface FleetHistoryOptions {
  readonly replicas: () => readonly Replica[];
  readonly state: (replica: Replica) => ReplicaState;
  /** Samples kept per replica. */
  readonly size: number;
  readonly wallNow?: () => number;
}

/** Δhits ÷ Δqueries between two readings of the cumulative counters. */
export function hitRate(prevHits: number | undefined, prevQueries: number | undefined, hits: number | undefined, queries: number | undefined): number | undefined {
  if (hits === undefined || queries === undefined) return undefined;
  // A restarted engine starts its counters again: count from zero then.
  const restarted = prevQueries === undefined || prevHits === undefined || queries < prevQueries || hits < prevHits;
  const dq = restarted ? queries : queries - prevQueries;
  const dh = restarted ? hits : hits - prevHits;
  return dq > 0 ? Math.min(1, Math.max(0, dh / dq)) : undefined;
}

export function createFleetHistory(o: FleetHistoryOptions): FleetHistory {
  const wallNow = o.wallNow ?? Date.now;
  /** Each origin's samples, of the replica they were taken of: one removed and added again starts afresh. */
  const byOrigin = new Map<string, { readonly replica: Replica; readonly list: HistorySample[] }>();
  return {
    size: o.size,
    sample() {
      const at = wallNow();
      const current = new Set<string>();
      for (const r of o.replicas()) {
        current.add(r.origin);
        const st = o.state(r);
        const m = st.metricsFailed ? undefined : st.metrics;
        let kept = byOrigin.get(r.origin);
        if (kept?.replica !== r) byOrigin.set(r.origin, (kept = { replica: r, list: [] }));
        const list = kept.list;
        const prev = list.at(-1);
        const hits = m?.prefixCacheHits;
        const queries = m?.prefixCacheQueries;
        list.push({
          at,
          inFlight: r.outstanding,
          running: m?.running,
          waiting: m?.waiting,
          kvCacheUsage: m?.kvCacheUsage,
          prefixHitRate: prev === undefined ? undefined : hitRate(prev.prefixHits, prev.prefixQueries, hits, queries),
          routed: routedTotal(r),
          prefixHits: hits,
          prefixQueries: queries,
        });
        if (list.length > o.size) list.splice(0, list.length - o.size);
      }
      for (const origin of byOrigin.keys()) if (!current.has(origin)) byOrigin.delete(origin);
    },
    of: (origin) => byOrigin.get(origin)?.list ?? [],
  };
}
