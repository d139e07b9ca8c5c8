/**
 * Limit counters in this process: exact for one gateway (SQLite), and where a gateway counts
 * while its shared counters are unreachable (fail-open). Same rules as the other stores
 * (core/limits.ts); windows and days that have passed are dropped as keys are touched.
 */
import { admitState, settleState, type AdmitPlan, type AdmitResult, type LimitState, type SettlePlan } from '../../core/limits.js';

export interface CounterStore {
  admit(plan: AdmitPlan): Promise<AdmitResult>;
  settle(plan: SettlePlan): Promise<void>;
  inFlight(keyId: string, now: number): Promise<number>;
  /** Resolves once connected, or once the first attempt failed (then requests fail open or 503). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

const MAX_KEYS = 100_000;

export function createMemoryCounters(): CounterStore & { admitNow(plan: AdmitPlan): AdmitResult; settleNow(plan: SettlePlan): void } {
  const states = new Map<string, LimitState>();
  const admitNow = (plan: AdmitPlan): AdmitResult => {
    let s = states.get(plan.keyId);
    if (s === undefined) {
      // A bound, not a policy: far more limited keys than this means something is wrong.
      if (states.size >= MAX_KEYS) states.clear();
      s = {};
      states.set(plan.keyId, s);
    }
    return admitState(s, plan);
  };
  const settleNow = (plan: SettlePlan): void => {
    const s = states.get(plan.keyId);
    if (s !== undefined) settleState(s, plan);
  };
  return {
    admitNow,
    settleNow,
    admit: (plan) => Promise.resolve(admitNow(plan)),
    settle: (plan) => {
      settleNow(plan);
      return Promise.resolve();
    },
    inFlight(keyId, now) {
      const leases = states.get(keyId)?.leases ?? {};
      return Promise.resolve(Object.values(leases).filter((until) => until > now).length);
    },
    ready: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
