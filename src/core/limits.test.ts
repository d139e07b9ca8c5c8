import { describe, expect, it } from 'vitest';
import { admitState, leaseId, leaseSlots, NO_LIMITS, settleState, type AdmitPlan, type LimitState } from './limits.js';

const T = Date.parse('2026-12-04T10:00:20Z');
const limits = { ...NO_LIMITS, concurrency: 4 };
const plan = (id: string, slots: number, now = T): AdmitPlan => ({ keyId: 'k', requestId: leaseId(id, slots), now, day: '2026-12-04', limits, charge: 0, slots });

describe('concurrency slots in the shared state (the Postgres store)', () => {
  it('a lease id carries its slots; one slot is the plain id', () => {
    expect([leaseId('a', 1), leaseId('a', 3)]).toEqual(['a', 'a*3']);
    expect([leaseSlots('a'), leaseSlots('a*3'), leaseSlots('0b1e-77*12')]).toEqual([1, 3, 12]);
  });

  it('counts held slots, refuses what does not fit beside them, runs a request larger than the limit alone, settles all its slots', () => {
    const s: LimitState = {};
    expect(admitState(s, plan('a', 3))).toMatchObject({ kind: 'ok', inFlight: 3 });
    expect(admitState(s, plan('b', 2))).toMatchObject({ kind: 'limited', limit: 'concurrency', inFlight: 3 });
    expect(admitState(s, plan('c', 1))).toMatchObject({ kind: 'ok', inFlight: 4 });
    const settle = (id: string, slots: number): void =>
      settleState(s, { keyId: 'k', requestId: leaseId(id, slots), now: T, limits, window: T - 20_000, day: '2026-12-04', charge: 0, used: 0 });
    settle('a', 3);
    settle('c', 1);
    expect(s.leases).toEqual({});
    expect(admitState(s, plan('d', 9))).toMatchObject({ kind: 'ok', inFlight: 9 });
    expect(admitState(s, plan('e', 1))).toMatchObject({ kind: 'limited', limit: 'concurrency', inFlight: 9 });
  });
});
