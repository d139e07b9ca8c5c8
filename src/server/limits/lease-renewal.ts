/**
 * The leases of this gateway's requests in flight in the shared counters (core/limits.ts,
 * LEASE_MS): each admitted request with a concurrency limit is held here until its settle, and
 * every LEASE_RENEW_MS all of them are renewed, one call per key. A gateway that is gone renews
 * nothing, so its slots free themselves within LEASE_MS.
 */
import { LEASE_MS } from '../../core/limits.js';

export interface LeaseRenewal {
  /** A request of `keyId` holds a slot in the shared counters. */
  held(keyId: string, requestId: string): void;
  /** Its slot was given back (or the request never took one). */
  released(requestId: string): void;
  /** Renews every lease held; resolves when each key's call has answered or failed. */
  renew(now: number): Promise<void>;
}

export function createLeaseRenewal(deps: {
  readonly renew: (keyId: string, requestIds: readonly string[], until: number) => Promise<void>;
  readonly failed: (err: unknown) => void;
}): LeaseRenewal {
  const held = new Map<string, string>();
  return {
    held: (keyId, requestId) => void held.set(requestId, keyId),
    released: (requestId) => void held.delete(requestId),
    async renew(now) {
      const byKey = new Map<string, string[]>();
      for (const [requestId, keyId] of held) {
        const ids = byKey.get(keyId);
        if (ids === undefined) byKey.set(keyId, [requestId]);
        else ids.push(requestId);
      }
      const until = now + LEASE_MS;
      await Promise.all([...byKey].map(([keyId, ids]) => deps.renew(keyId, ids, until).catch(deps.failed)));
    },
  };
}
