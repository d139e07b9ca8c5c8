/** Limit counters in the shared Postgres store (replicas without Redis): key-limits.repo.ts. */
import { admitInStore, forgetBudgetsInStore, inFlightInStore, raiseBudgetsInStore, renewInStore, settleInStore } from '../../store/key-limits.repo.js';
import type { Store } from '../../store/db.js';
import type { CounterStore } from './memory-counters.js';

export function createStoreCounters(store: Store): CounterStore {
  return {
    admit: (plan) => admitInStore(store.db, plan),
    settle: (plan) => settleInStore(store.db, plan),
    inFlight: (keyId, now) => inFlightInStore(store.db, keyId, now),
    renew: (keyId, requestIds, until) => renewInStore(store.db, keyId, requestIds, until),
    forgetBudgets: (keyId) => forgetBudgetsInStore(store.db, keyId),
    raiseBudgets: (keyId, day, seed) => raiseBudgetsInStore(store.db, keyId, day, seed),
    ready: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
