import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { systemClock, utcDay } from '../../core/clock.js';
import { NO_LIMITS } from '../../core/limits.js';
import type { Config } from '../../core/config.js';
import { openStore } from '../../store/db.js';
import { createLimits, type LimitsOptions } from './limits.js';

describe('limits: a budgeted key read for the first time', () => {
  it('in the process: the key\'s next admission waits for its counter to be raised to the usage buckets', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    const usage: LimitsOptions['usage'] = { drain: () => Promise.resolve(), spooled: () => ({ promptTokens: 0, completionTokens: 0 }) } as unknown as LimitsOptions['usage'];
    const limits = createLimits({ config: { redisUrl: undefined, limitsFailOpen: true } as Config, store, clock: systemClock, logger: pino({ level: 'silent' }), registry: new Registry(), usage });
    try {
      const day = utcDay(Date.now());
      const plan = (n: number) => ({ keyId: 'k', requestId: `r${n}`, now: Date.now(), day, limits: { ...NO_LIMITS, dailyTokens: 100 }, charge: 1, slots: 1 });
      // A counter kept in this process (the budget seen earlier today), at 0.
      expect((await limits.admit(plan(0))).kind).toBe('ok');
      // The buckets reached 150 meanwhile (used while the budget was off), and the key is read anew.
      await store.db.insertInto('usage_daily').values({ key_id: 'k', day, requests: 5, prompt_tokens: 100, completion_tokens: 50, cached_tokens: 0, reasoning_tokens: 0 }).execute();
      limits.raiseBudgets('k');
      expect(await limits.admit(plan(1))).toMatchObject({ kind: 'limited' });
    } finally {
      await limits.close();
      await store.close();
    }
  });
});
