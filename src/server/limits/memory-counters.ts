/**
 * Limit counters in this process: exact for one gateway (SQLite), and where a gateway counts
 * while its shared counters are unreachable (fail-open). The same rules as the other stores
 * (core/limits.ts firstExceeded), kept as plain numbers per key: this is the hot path of every
 * limited request on a single gateway. Concurrency is a count, not leases: in one process
 * every admitted request is settled exactly once (admission.ts), so nothing can leak.
 */
import { firstExceeded, leaseSlots, utcMonth, windowStart, type AdmitPlan, type AdmitResult, type BudgetSeed, type SettlePlan } from '../../core/limits.js';

export interface CounterStore {
  admit(plan: AdmitPlan): Promise<AdmitResult>;
  settle(plan: SettlePlan): Promise<void>;
  inFlight(keyId: string, now: number): Promise<number>;
  /** Shared counters: moves the leases of these requests of the key, if still held, to `until`. */
  renew?(keyId: string, requestIds: readonly string[], until: number): Promise<void>;
  /**
   * Drops the key's day and month budget counters: the next admission with a budget starts them
   * again from the usage buckets (a budget just added must not trust a counter kept from before).
   */
  forgetBudgets(keyId: string, day: string): Promise<void>;
  /**
   * Raises the key's budget counters of `day` (and its month) that exist to at least `seed`; a
   * counter kept by running gateways is never lowered: it holds their requests in flight and what
   * they have not committed yet.
   */
  raiseBudgets(keyId: string, day: string, seed: BudgetSeed): Promise<void>;
  /** Resolves once connected, or once the first attempt failed (then requests fail open or 503). */
  ready(): Promise<void>;
  /** Shared counters on a server of their own (Redis): whether it answers now. */
  health?(): CounterHealth;
  close(): Promise<void>;
}

export interface CounterHealth {
  readonly reachable: boolean;
  /** Why not, when not reachable. */
  readonly error: string | null;
  /** The server answered and refused the connection's setup (a database number it does not have, a wrong password): no retry helps. */
  readonly refused: boolean;
}

class KeyCounters {
  rpmWindow = -1;
  requests = 0;
  tpmWindow = -1;
  tokens = 0;
  inFlight = 0;
  day = '';
  dayUsed = 0;
  month = '';
  monthUsed = 0;
}

const MAX_KEYS = 100_000;

export function createMemoryCounters(): CounterStore & { admitNow(plan: AdmitPlan): AdmitResult; settleNow(plan: SettlePlan): void } {
  const keys = new Map<string, KeyCounters>();
  const admitNow = (p: AdmitPlan): AdmitResult => {
    let s = keys.get(p.keyId);
    if (s === undefined) {
      // A bound, not a policy: far more limited keys than this means something is wrong.
      if (keys.size >= MAX_KEYS) keys.clear();
      s = new KeyCounters();
      keys.set(p.keyId, s);
    }
    const l = p.limits;
    if (l.dailyTokens !== null || l.monthlyTokens !== null) {
      const month = utcMonth(p.day);
      const dayStale = l.dailyTokens !== null && s.day !== p.day;
      const monthStale = l.monthlyTokens !== null && s.month !== month;
      if (dayStale || monthStale) {
        if (p.seed === undefined) return { kind: 'seed' };
        if (dayStale) [s.day, s.dayUsed] = [p.day, p.seed.day];
        if (monthStale) [s.month, s.monthUsed] = [month, p.seed.month];
      }
    }
    const win = windowStart(p.now);
    if (s.rpmWindow !== win) [s.rpmWindow, s.requests] = [win, 0];
    if (s.tpmWindow !== win) [s.tpmWindow, s.tokens] = [win, 0];
    const counted = {
      requests: l.rpm !== null ? s.requests : 0,
      tokens: l.tpm !== null ? s.tokens : 0,
      inFlight: l.concurrency !== null ? s.inFlight : 0,
      dayUsed: l.dailyTokens !== null ? s.dayUsed : 0,
      monthUsed: l.monthlyTokens !== null ? s.monthUsed : 0,
    };
    const limit = firstExceeded(l, counted, p.charge, p.slots);
    if (limit !== undefined) return { kind: 'limited', limit, ...counted };
    if (l.rpm !== null) counted.requests = ++s.requests;
    if (l.tpm !== null) counted.tokens = s.tokens += p.charge;
    if (l.concurrency !== null) counted.inFlight = s.inFlight += p.slots;
    return { kind: 'ok', ...counted };
  };
  const settleNow = (p: SettlePlan): void => {
    const s = keys.get(p.keyId);
    if (s === undefined) return;
    const l = p.limits;
    if (l.tpm !== null && s.tpmWindow === p.window) s.tokens = Math.max(0, s.tokens + p.used - p.charge);
    if (l.concurrency !== null) s.inFlight = Math.max(0, s.inFlight - leaseSlots(p.requestId));
    if (p.used > 0) {
      if (l.dailyTokens !== null && s.day === p.day) s.dayUsed += p.used;
      if (l.monthlyTokens !== null && s.month === utcMonth(p.day)) s.monthUsed += p.used;
    }
  };
  return {
    admitNow,
    settleNow,
    admit: (plan) => Promise.resolve(admitNow(plan)),
    settle: (plan) => {
      settleNow(plan);
      return Promise.resolve();
    },
    inFlight: (keyId) => Promise.resolve(keys.get(keyId)?.inFlight ?? 0),
    forgetBudgets: (keyId) => {
      const s = keys.get(keyId);
      if (s !== undefined) [s.day, s.month] = ['', ''];
      return Promise.resolve();
    },
    raiseBudgets: (keyId, day, seed) => {
      const s = keys.get(keyId);
      if (s !== undefined && s.day === day) s.dayUsed = Math.max(s.dayUsed, seed.day);
      if (s !== undefined && s.month === utcMonth(day)) s.monthUsed = Math.max(s.monthUsed, seed.month);
      return Promise.resolve();
    },
    ready: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
