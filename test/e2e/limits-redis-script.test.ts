// The Redis counters directly: every counter key has an expiry, concurrency leases come back
// on settle, tokens are corrected in the admission's window, budgets start from their seed.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { LEASE_MS, leaseId, NO_LIMITS, type AdmitPlan } from '../../src/core/limits.js';
import { createRedisCounters } from '../../src/server/limits/redis-counters.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
const skip = await probe.connect().then(
  () => undefined,
  (err: unknown) => `Redis not reachable: ${String(err)}`,
);
afterAll(() => probe.disconnect());

const prefix = `test-limits-${randomBytes(4).toString('hex')}:`;
const T = Date.parse('2026-12-04T10:00:20Z');

describe.skipIf(skip !== undefined)('Redis limit counters', () => {
  it('counts atomically with expiries, settles once, seeds budgets', async () => {
    const c = createRedisCounters({ url: REDIS_URL, prefix, onError: () => undefined });
    await c.ready();
    try {
      const limits = { ...NO_LIMITS, rpm: 5, tpm: 1000, concurrency: 1, dailyTokens: 100 };
      const plan: AdmitPlan = { keyId: 'k1', requestId: 'r1', now: T, day: '2026-12-04', limits, charge: 300, slots: 1 };
      expect(await c.admit(plan)).toEqual({ kind: 'seed' });
      const ok = await c.admit({ ...plan, seed: { day: 40, month: 40 } });
      expect(ok).toEqual({ kind: 'ok', requests: 1, tokens: 300, inFlight: 1, dayUsed: 40, monthUsed: 0 });
      const second = await c.admit({ ...plan, requestId: 'r2', charge: 10 });
      expect(second).toMatchObject({ kind: 'limited', limit: 'concurrency', inFlight: 1 });
      const keys = await probe.keys(`${prefix}*`);
      expect(keys.sort()).toEqual(
        [`${prefix}lim:{k1}:conc`, `${prefix}lim:{k1}:d:2026-12-04`, `${prefix}lim:{k1}:rpm:${T - 20_000}`, `${prefix}lim:{k1}:tpm:${T - 20_000}`].sort(),
      );
      for (const k of keys) expect(await probe.pttl(k)).toBeGreaterThan(0);
      await c.settle({ keyId: 'k1', requestId: 'r1', now: T + 1000, limits, window: T - 20_000, day: '2026-12-04', charge: 300, used: 25 });
      expect(await c.inFlight('k1', T + 1000)).toBe(0);
      expect(await probe.get(`${prefix}lim:{k1}:tpm:${T - 20_000}`)).toBe('25');
      expect(await probe.get(`${prefix}lim:{k1}:d:2026-12-04`)).toBe('65');
      const third = await c.admit({ ...plan, requestId: 'r3', now: T + 2000, charge: 10 });
      expect(third).toEqual({ kind: 'ok', requests: 2, tokens: 35, inFlight: 1, dayUsed: 65, monthUsed: 0 });
    } finally {
      await c.close();
      const keys = await probe.keys(`${prefix}*`);
      if (keys.length > 0) await probe.del(...keys);
    }
  });

  it('weighs a lease by its slots: a request for 3 choices takes 3 of 4, one for 2 more is refused, one for 1 fits; settling gives all 3 back', async () => {
    const c = createRedisCounters({ url: REDIS_URL, prefix, onError: () => undefined });
    await c.ready();
    try {
      const limits = { ...NO_LIMITS, concurrency: 4 };
      const plan: AdmitPlan = { keyId: 'k3', requestId: leaseId('a', 3), now: T, day: '2026-12-04', limits, charge: 0, slots: 3 };
      expect(await c.admit(plan)).toMatchObject({ kind: 'ok', inFlight: 3 });
      expect(await c.admit({ ...plan, requestId: leaseId('b', 2), slots: 2 })).toMatchObject({ kind: 'limited', limit: 'concurrency', inFlight: 3 });
      expect(await c.admit({ ...plan, requestId: 'c', slots: 1 })).toMatchObject({ kind: 'ok', inFlight: 4 });
      expect(await c.inFlight('k3', T + 1)).toBe(4);
      // Renewal and settle carry the weight in the lease id.
      await c.renew!('k3', [leaseId('a', 3)], T + LEASE_MS + 10_000);
      expect(await c.inFlight('k3', T + LEASE_MS + 1)).toBe(3);
      await c.settle({ keyId: 'k3', requestId: leaseId('a', 3), now: T + 2, limits, window: T - 20_000, day: '2026-12-04', charge: 0, used: 0 });
      expect(await c.inFlight('k3', T + 3)).toBe(1);
      // Larger than the limit with nothing held: it runs alone.
      await c.settle({ keyId: 'k3', requestId: 'c', now: T + 4, limits, window: T - 20_000, day: '2026-12-04', charge: 0, used: 0 });
      expect(await c.admit({ ...plan, requestId: leaseId('d', 9), slots: 9, now: T + 5 })).toMatchObject({ kind: 'ok', inFlight: 9 });
    } finally {
      await c.close();
      const keys = await probe.keys(`${prefix}*`);
      if (keys.length > 0) await probe.del(...keys);
    }
  });

  it('renews the leases still held, never to an earlier time, and puts back one Redis lost; a lease not renewed runs out', async () => {
    const c = createRedisCounters({ url: REDIS_URL, prefix, onError: () => undefined });
    await c.ready();
    try {
      const limits = { ...NO_LIMITS, concurrency: 2 };
      const plan: AdmitPlan = { keyId: 'k2', requestId: 'a', now: T, day: '2026-12-04', limits, charge: 0, slots: 1 };
      expect(await c.admit(plan)).toMatchObject({ kind: 'ok', inFlight: 1 });
      expect(await c.admit({ ...plan, requestId: 'b' })).toMatchObject({ kind: 'ok', inFlight: 2 });
      await c.settle({ keyId: 'k2', requestId: 'b', now: T + 1, limits, window: T - 20_000, day: '2026-12-04', charge: 0, used: 0 });
      // The gateway renews the slots it still holds (b was given back before its settle was sent).
      await c.renew!('k2', ['a'], T + LEASE_MS + 10_000);
      const conc = `${prefix}lim:{k2}:conc`;
      expect(await probe.zrange(conc, 0, -1, 'WITHSCORES')).toEqual(['a', String(T + LEASE_MS + 10_000)]);
      // Redis restarted without its data (as the compose stack runs it): the next renewal puts
      // the running request's slot back, so the key is not let over its limit meanwhile.
      await probe.del(conc);
      await c.renew!('k2', ['a'], T + LEASE_MS + 60_000);
      expect(await probe.zrange(conc, 0, -1, 'WITHSCORES')).toEqual(['a', String(T + LEASE_MS + 60_000)]);
      await c.renew!('k2', ['a'], T + 5); // earlier: ignored
      expect(await probe.zscore(conc, 'a')).toBe(String(T + LEASE_MS + 60_000));
      expect(await probe.pttl(conc)).toBeGreaterThan(LEASE_MS - 5000);
      // Past the first lease, the renewed slot is still held; past the renewal, it is free.
      expect(await c.inFlight('k2', T + LEASE_MS + 1000)).toBe(1);
      expect(await c.admit({ ...plan, requestId: 'c', now: T + LEASE_MS + 1000 })).toMatchObject({ kind: 'ok', inFlight: 2 });
      expect(await c.admit({ ...plan, requestId: 'd', now: T + LEASE_MS + 1000 })).toMatchObject({ kind: 'limited', limit: 'concurrency' });
      expect(await c.admit({ ...plan, requestId: 'e', now: T + 2 * LEASE_MS + 61_000 })).toMatchObject({ kind: 'ok', inFlight: 1 });
    } finally {
      await c.close();
      const keys = await probe.keys(`${prefix}*`);
      if (keys.length > 0) await probe.del(...keys);
    }
  });
});
