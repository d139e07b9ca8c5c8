import { describe, expect, it } from 'vitest';
import { NO_LIMITS, type SettlePlan } from '../../core/limits.js';
import { createSettleRetry } from './settle-retry.js';

const plan = (requestId: string, over: Partial<SettlePlan['limits']> = {}, used = 10): SettlePlan => ({
  keyId: `k-${requestId}`,
  requestId,
  now: 0,
  limits: { ...NO_LIMITS, ...over },
  window: 0,
  day: '2026-12-06',
  charge: 20,
  used,
});

describe('settle retry', () => {
  it('keeps a slot release (nothing else of the settle) and a budget reset per key; nothing for a key without either', async () => {
    const released: SettlePlan[] = [];
    const forgotten: string[] = [];
    const r = createSettleRetry({ release: async (p) => void released.push(p), forgetBudgets: async (k) => void forgotten.push(k) });
    r.missed(plan('a', { concurrency: 2 }));
    r.missed(plan('b', { dailyTokens: 100 }));
    r.missed(plan('c', { monthlyTokens: 100 }, 0)); // no tokens used: its counters are right
    r.missed(plan('d', { rpm: 5 }));
    expect(r.pending()).toEqual({ slots: 1, budgets: 1 });
    await r.retry();
    expect(released).toEqual([{ ...plan('a'), charge: 0, used: 0, limits: { ...NO_LIMITS, concurrency: 2 } }]);
    expect(forgotten).toEqual(['k-b']);
    expect(r.pending()).toEqual({ slots: 0, budgets: 0 });
  });

  it('stops at the first failure and keeps the rest, in order, for the next try; one try at a time', async () => {
    let up = false;
    let calls = 0;
    const released: string[] = [];
    const r = createSettleRetry({
      release: async (p) => {
        calls++;
        if (!up) throw new Error('counters away');
        released.push(p.requestId);
      },
      forgetBudgets: async () => undefined,
    });
    for (const id of ['a', 'b', 'c']) r.missed(plan(id, { concurrency: 1 }));
    const first = r.retry();
    expect(r.retry()).toBe(first);
    await first;
    expect([calls, r.pending().slots]).toEqual([1, 3]);
    up = true;
    await r.retry();
    expect(released).toEqual(['a', 'b', 'c']);
    expect(r.pending().slots).toBe(0);
  });

  it('in a long outage keeps the oldest 100,000 slots (the ones the counters hold) and lets later ones wait out their lease', () => {
    const r = createSettleRetry({ release: async () => undefined, forgetBudgets: async () => undefined });
    for (let i = 0; i < 100_005; i++) r.missed(plan(String(i), { concurrency: 1 }));
    expect(r.pending().slots).toBe(100_000);
  });
});
