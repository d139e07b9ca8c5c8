/**
 * Replicas removed at run time that still run requests: they take no new request, and their
 * requests run to their end. Kept here until then, so GET /api/backends and /metrics show an
 * operator when a removed replica has drained (its in-flight count reaching 0).
 */
import type { Replica } from './upstream/replicas.js';

export interface RemovedReplica {
  /** The one removed last under its URL (its counters are the URL's series). */
  readonly replica: Replica;
  /** The models it listed when it was removed. */
  readonly models: readonly string[];
  /** Requests still running under its URL: a URL removed, added and removed again sums both. */
  readonly inFlight: number;
}

export interface RemovedReplicas {
  /** `replica` was removed; kept while it runs requests. */
  add(replica: Replica, models: readonly string[]): void;
  /** One per URL still running requests, less the URLs in use again (`inUse`). */
  running(inUse: readonly Replica[]): readonly RemovedReplica[];
}

export function createRemovedReplicas(): RemovedReplicas {
  let list: { readonly replica: Replica; readonly models: readonly string[] }[] = [];
  const prune = (): void => {
    list = list.filter((r) => r.replica.outstanding > 0);
  };
  return {
    add(replica, models) {
      prune();
      if (replica.outstanding > 0) list.push({ replica, models });
    },
    running(inUse) {
      prune();
      // Added again: the URL's row is the new replica's (its requests count from 0).
      const origins = new Set(inUse.map((r) => r.origin));
      const byOrigin = new Map<string, RemovedReplica>();
      for (const { replica, models } of list) {
        if (origins.has(replica.origin)) continue;
        const earlier = byOrigin.get(replica.origin);
        byOrigin.set(replica.origin, { replica, models, inFlight: replica.outstanding + (earlier?.inFlight ?? 0) });
      }
      return [...byOrigin.values()];
    },
  };
}
