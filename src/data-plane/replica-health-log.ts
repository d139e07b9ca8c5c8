/**
 * Says when a replica stops or starts taking new requests, compared at each probe round: the log
 * then holds when each replica went into cooldown, hung or down, why, and when it came back (the
 * console's history keeps only the last minutes).
 */
import type { ReplicaView } from '../shared/api-contract.js';
import { healthOf, inUse } from './fleet-view.js';
import type { FleetState } from './upstream/fleet-state.js';

export interface ReplicaHealthChange {
  readonly replica: string;
  readonly health: ReplicaView['health'];
  /** Whether it takes new requests now. */
  readonly inUse: boolean;
  /** The health at the round before (undefined the first time the replica is seen). */
  readonly was: ReplicaView['health'] | undefined;
  readonly reason: string | null;
}

/**
 * A check to run after each probe round. Reported: a replica first seen out of use, and one that
 * goes out of use or back (not cooldown ↔ down while it stays out: one line per outage).
 */
export function watchReplicaHealth(state: FleetState, hungMs: number, report: (c: ReplicaHealthChange) => void, now: () => number = () => performance.now()): () => void {
  const last = new Map<string, ReplicaView['health']>();
  return () => {
    const t = now();
    const seen = new Set<string>();
    for (const s of state.states()) {
      const replica = s.replica.origin;
      seen.add(replica);
      const { health, reason } = healthOf(s, t, hungMs);
      const was = last.get(replica);
      last.set(replica, health);
      const using = inUse(health);
      if (was === undefined ? !using : inUse(was) !== using) report({ replica, health, inUse: using, was, reason });
    }
    // Backends removed at run time are forgotten.
    for (const replica of last.keys()) if (!seen.has(replica)) last.delete(replica);
  };
}
