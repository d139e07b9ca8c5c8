// Concurrency leases in shared counters are renewed while their requests run, so a slot whose
// gateway is gone frees itself within LEASE_MS and a long request keeps its slot.
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { LEASE_MS, LEASE_RENEW_MS, NO_LIMITS, type AdmitPlan } from '../../core/limits.js';
import { openStore } from '../../store/db.js';
import { inFlightInStore } from '../../store/key-limits.repo.js';
import { dropSchema, freshSchema, POSTGRES_URL, postgresUnavailableReason } from '../../../test/helpers/dialects.js';
import { fixedClock } from '../../../test/helpers/clock.js';
import { createLeaseRenewal } from './lease-renewal.js';
import { createLimits } from './limits.js';
import { createStoreCounters } from './store-counters.js';

const T = Date.parse('2026-12-06T10:00:20Z');
const limits = { ...NO_LIMITS, concurrency: 2 };
const plan = (keyId: string, requestId: string, now = T): AdmitPlan => ({ keyId, requestId, now, day: '2026-12-06', limits, charge: 0, slots: 1 });

afterEach(() => void vi.useRealTimers());

describe('lease renewal', () => {
  it('renews the slots held, one call per key, until now + LEASE_MS; a released one is not renewed; a failure is reported', async () => {
    const calls: Array<[string, readonly string[], number]> = [];
    const failures: unknown[] = [];
    const r = createLeaseRenewal({
      renew: async (keyId, ids, until) => {
        calls.push([keyId, [...ids], until]);
        if (keyId === 'broken') throw new Error('counters away');
      },
      failed: (err) => failures.push(err),
    });
    r.held('k1', 'a');
    r.held('k2', 'b');
    r.held('k1', 'c');
    r.held('broken', 'd');
    r.released('c');
    await r.renew(T);
    expect(calls.sort((x, y) => (x[0] < y[0] ? -1 : 1))).toEqual([
      ['broken', ['d'], T + LEASE_MS],
      ['k1', ['a'], T + LEASE_MS],
      ['k2', ['b'], T + LEASE_MS],
    ]);
    expect(failures).toHaveLength(1);
    // A failed renewal keeps its slot held: the next round renews it again.
    calls.length = 0;
    r.released('a');
    await r.renew(T + 1);
    expect(calls.map((c) => c[0]).sort()).toEqual(['broken', 'k2']);
  });
});

const pgSkip = await postgresUnavailableReason();

describe.skipIf(pgSkip !== undefined)('leases in Postgres (counters shared without Redis)', () => {
  it('a renewed lease outlives the first; a slot given back is not taken again; past the renewal the slot is free', async () => {
    const schema = freshSchema();
    const store = await openStore({ kind: 'postgres', url: POSTGRES_URL }, { pgSchema: schema });
    try {
      const c = createStoreCounters(store);
      expect(await c.admit(plan('k', 'a'))).toMatchObject({ kind: 'ok', inFlight: 1 });
      expect(await c.admit(plan('k', 'b'))).toMatchObject({ kind: 'ok', inFlight: 2 });
      await c.settle({ keyId: 'k', requestId: 'b', now: T, limits, window: T - 20_000, day: '2026-12-06', charge: 0, used: 0 });
      await c.renew!('k', ['a', 'b'], T + LEASE_MS + 60_000);
      await c.renew!('k', ['a'], T + 5); // never earlier
      expect(await inFlightInStore(store.db, 'k', T + LEASE_MS + 1000)).toBe(1);
      expect(await c.admit(plan('k', 'c', T + LEASE_MS + 1000))).toMatchObject({ kind: 'ok', inFlight: 2 });
      expect(await c.admit(plan('k', 'd', T + LEASE_MS + 1000))).toMatchObject({ kind: 'limited', limit: 'concurrency' });
      expect(await inFlightInStore(store.db, 'k', T + 2 * LEASE_MS + 61_000)).toBe(0);
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });

  it('the gateway renews the leases of its requests in flight every LEASE_RENEW_MS, and stops at their settle', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const schema = freshSchema();
    const store = await openStore({ kind: 'postgres', url: POSTGRES_URL }, { pgSchema: schema });
    const clock = fixedClock(T);
    const l = createLimits({
      config: loadConfig({}),
      store,
      clock,
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      usage: { drain: async () => undefined, spooled: () => ({ requests: 0, promptTokens: 0, completionTokens: 0 }) },
    });
    try {
      expect(l.backend).toBe('store');
      expect(await l.admit(plan('k', 'a'))).toMatchObject({ kind: 'ok' });
      expect(await l.admit(plan('k', 'b'))).toMatchObject({ kind: 'ok' });
      await l.settle({ keyId: 'k', requestId: 'b', now: T, limits, window: T - 20_000, day: '2026-12-06', charge: 0, used: 0 });
      clock.advance(LEASE_RENEW_MS);
      vi.advanceTimersByTime(LEASE_RENEW_MS);
      // The renewal runs on the store: wait for 'a' to hold past its first lease.
      const past = T + LEASE_MS + 1000;
      for (let i = 0; i < 100 && (await inFlightInStore(store.db, 'k', past)) === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await inFlightInStore(store.db, 'k', past)).toBe(1);
      expect(await inFlightInStore(store.db, 'k', T + LEASE_RENEW_MS + LEASE_MS + 1)).toBe(0);
    } finally {
      await l.close();
      await store.close();
      await dropSchema(schema);
    }
  });
});
