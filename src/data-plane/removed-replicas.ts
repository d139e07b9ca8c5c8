/**
 * Replicas removed at run time that still run requests: they take no new request, and their
 * requests run to their end. Kept here until then, so GET /api/backends and /metrics show an
 * operator when a removed replica has drained (its in-flight count reaching 0).
 */
import type { Replica } from './upstream/replicas.js';

export interface RemovedReplica {
  readonly replica: Replica;
  /** The models it listed when it was removed. */
  readonly models: readonly string[];
}

export interface RemovedReplicas {
  /** `replica` was removed; kept while it runs requests. */
  add(replica: Replica, models: readonly string[]): void;
  /** Those still running requests, less any whose URL is in use again (`inUse`). */
  running(inUse: readonly Replica[]): readonly RemovedReplica[];
}

export function createRemovedReplicas(): RemovedReplicas {
  let list: RemovedReplica[] = [];
  return {
    add(replica, models) {
      if (replica.outstanding > 0) list.push({ replica, models });
    },
    running(inUse) {
      list = list.filter((r) => r.replica.outstanding > 0);
      // Added again: the URL's row is the new replica's (its requests count from 0).
      const origins = new Set(inUse.map((r) => r.origin));
      return list.filter((r) => !origins.has(r.replica.origin));
    },
  };
}
