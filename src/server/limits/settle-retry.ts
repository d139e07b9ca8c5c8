/**
 * Settles the shared limit counters did not take (Redis or the store away, or stalled), made
 * good once they answer again: each request's concurrency slot is given back, and each key's
 * budget counters are dropped, so the next admission seeds them from the usage buckets (which
 * the usage spool keeps whole). Both are safe to repeat, so a settle that did run late (a Redis
 * that stalled runs what it had received once it answers) is not counted twice. A minute's token
 * charge stays as admitted: it ends with its minute.
 */
import { NO_LIMITS, type AdmitPlan, type SettlePlan } from '../../core/limits.js';

/** A settle of nothing but the request's concurrency slot. */
export function releaseOf(plan: AdmitPlan | SettlePlan): SettlePlan {
  return { keyId: plan.keyId, requestId: plan.requestId, now: plan.now, window: 0, day: plan.day, charge: 0, used: 0, limits: { ...NO_LIMITS, concurrency: plan.limits.concurrency } };
}

export interface SettleRetry {
  /** The shared counters did not take this settle. */
  missed(plan: SettlePlan): void;
  /** Retries what is pending, in order; stops at the first failure (the counters are still away). */
  retry(): Promise<void>;
  /** Slots and keys' budgets still to make good. */
  pending(): { readonly slots: number; readonly budgets: number };
}

export interface SettleRetryDeps {
  /** Gives a slot back (a settle of nothing but the slot). */
  release(plan: SettlePlan): Promise<void>;
  /** Drops the key's budget counters; rejects when the counters do not answer. */
  forgetBudgets(keyId: string): Promise<void>;
}

/** Past this many, a further slot is left to its lease (45 s, core/limits.ts): memory stays bounded in a long outage. */
const MAX_SLOTS = 100_000;

export function createSettleRetry(deps: SettleRetryDeps): SettleRetry {
  const slots = new Map<string, SettlePlan>();
  const budgets = new Set<string>();
  let running: Promise<void> | undefined;

  async function run(): Promise<void> {
    for (const keyId of [...budgets]) {
      await deps.forgetBudgets(keyId);
      budgets.delete(keyId);
    }
    for (const [requestId, plan] of [...slots]) {
      await deps.release(plan);
      slots.delete(requestId);
    }
  }

  return {
    missed(plan) {
      const l = plan.limits;
      // The oldest are kept: they are the slots the counters really hold.
      if (l.concurrency !== null && slots.size < MAX_SLOTS) {
        slots.set(plan.requestId, releaseOf(plan));
      }
      if (plan.used > 0 && (l.dailyTokens !== null || l.monthlyTokens !== null)) budgets.add(plan.keyId);
    },
    retry() {
      if (slots.size === 0 && budgets.size === 0) return Promise.resolve();
      running ??= run()
        .catch(() => undefined)
        .finally(() => (running = undefined));
      return running;
    },
    pending: () => ({ slots: slots.size, budgets: budgets.size }),
  };
}
