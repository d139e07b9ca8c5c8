/**
 * Binds the data plane's LimitCounters port: counters in Redis when REDIS_URL is set, else in
 * the store when it is Postgres (replicas share it), else in this process (one gateway on
 * SQLite). A budget counter met for the first time in a day or month starts from the usage
 * buckets. When the shared counters cannot be reached, PROXY_LIMITS_FAIL_OPEN decides: serve
 * and count in this process (a metric and a log line say so), or answer 503; never a 500.
 */
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { Clock } from '../../core/clock.js';
import { utcDay } from '../../core/clock.js';
import type { Config } from '../../core/config.js';
import { GatewayError } from '../../core/errors.js';
import { LEASE_RENEW_MS, type AdmitPlan, type AdmitResult, type SettlePlan } from '../../core/limits.js';
import { MSG } from '../../core/messages.js';
import type { LimitCounters } from '../../data-plane/context.js';
import type { Store } from '../../store/db.js';
import { tokensUsed } from '../../store/key-limits.repo.js';
import { createMemoryCounters, type CounterHealth, type CounterStore } from './memory-counters.js';
import { createRedisCounters } from './redis-counters.js';
import { createRejectionCounts } from './rejection-counts.js';
import { createLeaseRenewal } from './lease-renewal.js';
import { createSettleRetry, releaseOf } from './settle-retry.js';
import { createStoreCounters } from './store-counters.js';
import type { UsageWriter } from '../../store/usage-writer.js';
import { settlesWithin } from '../../core/settles-within.js';

export interface Limits extends LimitCounters {
  readonly backend: 'redis' | 'store' | 'process';
  /** Requests of the key in flight (shared counters, plus any counted here while they were down). */
  inFlight(keyId: string): Promise<number>;
  /** Writes the 429 counts gathered so far. */
  flush(): Promise<void>;
  /** Resolves once the shared counters answered or failed to connect once. */
  ready(): Promise<void>;
  /** A budget was added to the key: its counters start again from the usage buckets. */
  forgetBudgets(keyId: string): void;
  /**
   * A key with a budget is read here for the first time (a start, say): its counters, where kept,
   * are raised to the usage buckets, never lowered, since other gateways' requests in flight and
   * spooled usage are in them (a counter kept from before the budget was last removed is behind).
   */
  raiseBudgets(keyId: string): void;
  /** Whether the shared counters answer now (always for counters in the store or this process). */
  health(): CounterHealth;
  close(): Promise<void>;
}

export interface LimitsOptions {
  readonly config: Config;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly registry: Registry;
  /** `drain` resolves once usage committed so far is in the buckets (read before seeding a budget); `spooled`: what still waits in the spool. */
  readonly usage: Pick<UsageWriter, 'drain' | 'spooled'>;
  /** Redis key prefix (tests isolate with it). */
  readonly redisPrefix?: string;
}

const ANSWERING: CounterHealth = Object.freeze({ reachable: true, error: null, refused: false });

/** One log line per this many ms at most while the shared counters are down. */
const LOG_EVERY_MS = 10_000;
const FLUSH_MS = 1000;
/** How long seeding a budget counter waits for the usage committed so far to reach the store. */
const SEED_WAIT_MS = 1000;

export function createLimits(opts: LimitsOptions): Limits {
  const { config, store, clock, logger } = opts;
  const local = createMemoryCounters();
  let shared: CounterStore | undefined;
  let backend: Limits['backend'] = 'process';
  if (config.redisUrl !== undefined) {
    let lastErrorLog = 0;
    shared = createRedisCounters({
      url: config.redisUrl,
      prefix: opts.redisPrefix ?? 'worv-proxy:',
      onError: (err) => {
        const now = Date.now();
        if (now - lastErrorLog >= LOG_EVERY_MS) {
          lastErrorLog = now;
          logger.warn({ err: err.message }, 'redis (limit counters) error');
        }
      },
    });
    backend = 'redis';
  } else if (store.dialect === 'postgres') {
    shared = createStoreCounters(store);
    backend = 'store';
  }
  const failOpen = new Counter({
    name: 'worv_proxy_limits_fail_open_total',
    help: 'Admission checks made in this process because the shared limit counters were unreachable (PROXY_LIMITS_FAIL_OPEN=on)',
    registers: [opts.registry],
  });
  const failClosed = new Counter({
    name: 'worv_proxy_limits_unavailable_total',
    help: 'Requests answered 503 because the shared limit counters were unreachable (PROXY_LIMITS_FAIL_OPEN=off)',
    registers: [opts.registry],
  });
  // Requests admitted here while the shared counters were down settle here too. True when the
  // shared admission may still run late (a Redis command that timed out was sent; one refused on
  // a closed connection, or a Postgres transaction that failed, never runs).
  const admittedLocally = new Map<string, boolean>();
  /** Budget counter resets and raises under way, per key. */
  const forgetting = new Map<string, Promise<void>>();
  let lastFailLog = 0;
  /** The log said the counters are unreachable, and has not said they are back. */
  let saidUnreachable = false;

  /**
   * Where a key's budget counters start: its usage buckets, once the usage committed so far is in
   * them. A store that holds its usage tables locked (a spool replay waits on it) does not hold
   * the key up: after SEED_WAIT_MS the buckets plus what waits in the spool for the key (all of
   * it counted today: a budget errs on the side of the limit).
   */
  const seedOf = async (keyId: string, day: string): Promise<{ day: number; month: number }> => {
    const settled = await settlesWithin(opts.usage.drain(), SEED_WAIT_MS);
    const used = await tokensUsed(store.db, keyId, day);
    if (settled !== 'late') return used;
    const s = opts.usage.spooled(keyId);
    const waiting = s.promptTokens + s.completionTokens;
    return { day: used.day + waiting, month: used.month + waiting };
  };

  const admitLocally = (plan: AdmitPlan): AdmitResult | Promise<AdmitResult> => {
    const r = local.admitNow(plan);
    return r.kind === 'seed' ? seeded(local, plan) : r;
  };

  const seeded = async (counters: CounterStore, plan: AdmitPlan): Promise<AdmitResult> => {
    const r = await counters.admit(plan);
    if (r.kind !== 'seed') return r;
    return counters.admit({ ...plan, seed: await seedOf(plan.keyId, plan.day) });
  };

  // Settles the shared counters missed: retried with the 1 s flush until they answer. A budget
  // counter is dropped only once the store answers too, since the next admission seeds it from
  // the usage buckets; the reset does not hold the key's admissions up (they find the counter or
  // seed it, either way right).
  const missedSettles = createSettleRetry({
    release: (plan) => (shared as CounterStore).settle(plan),
    forgetBudgets: async (keyId) => {
      const day = utcDay(clock.now());
      await opts.usage.drain();
      await tokensUsed(store.db, keyId, day);
      await (shared as CounterStore).forgetBudgets(keyId, day);
    },
  });
  const retryMissed = (): Promise<void> => (shared?.health?.().reachable === false ? Promise.resolve() : missedSettles.retry());

  const rejected = createRejectionCounts(store, logger, () => clock.now());
  /** A change to the key's budget counters: the key's admissions wait for it. */
  const beforeAdmissions = (keyId: string, done: Promise<unknown>): Promise<unknown> => {
    const waited: Promise<void> = done.then(() => undefined, () => undefined).finally(() => {
      if (forgetting.get(keyId) === waited) forgetting.delete(keyId);
    });
    forgetting.set(keyId, waited);
    return done;
  };
  const resetBudgets = (counters: CounterStore, keyId: string): Promise<unknown> => beforeAdmissions(keyId, counters.forgetBudgets(keyId, utcDay(clock.now())));

  const timer = setInterval(() => {
    void retryMissed();
    void rejected.flush();
  }, FLUSH_MS);
  timer.unref();

  let lastRenewLog = 0;
  const leases = createLeaseRenewal({
    renew: (keyId, ids, until) => (shared?.renew?.(keyId, ids, until) ?? Promise.resolve()),
    failed: (err) => {
      const now = clock.now();
      if (now - lastRenewLog < LOG_EVERY_MS) return;
      lastRenewLog = now;
      logger.warn({ err: String(err) }, 'limit counters: could not renew the concurrency leases of requests in flight (retried)');
    },
  });
  const renewTimer = setInterval(() => void leases.renew(clock.now()), LEASE_RENEW_MS);
  renewTimer.unref();

  const admitShared = async (counters: CounterStore, plan: AdmitPlan): Promise<AdmitResult> => {
    try {
      // Known not to answer (a stalled Redis, until a ping answers): no request waits out the
      // command timeout meanwhile.
      const health = counters.health?.();
      if (health?.reachable === false) throw new Error(health.error ?? 'limit counters do not answer');
      const r = await seeded(counters, plan);
      if (r.kind === 'ok' && plan.limits.concurrency !== null) leases.held(plan.keyId, plan.requestId);
      if (saidUnreachable) {
        saidUnreachable = false;
        logger.info('limit counters reachable again: limits are counted in the shared counters');
      }
      return r;
    } catch (err) {
      // A Redis admission that timed out was sent, and a stalled Redis runs it once it answers:
      // the slot it takes then is given back, whatever this request becomes.
      const lateRisk = backend === 'redis' && err instanceof Error && err.message === 'Command timed out';
      const now = clock.now();
      if (now - lastFailLog >= LOG_EVERY_MS) {
        lastFailLog = now;
        saidUnreachable = true;
        logger.error(
          { err: err instanceof Error ? err.message : String(err) },
          config.limitsFailOpen
            ? 'limit counters unreachable: serving and counting in this process (PROXY_LIMITS_FAIL_OPEN=on)'
            : 'limit counters unreachable: answering 503 (PROXY_LIMITS_FAIL_OPEN=off)',
        );
      }
      if (!config.limitsFailOpen) {
        failClosed.inc();
        if (lateRisk && plan.limits.concurrency !== null) missedSettles.missed(releaseOf(plan));
        throw new GatewayError('limiter_unavailable', MSG.limiterUnavailable, { 'retry-after': '1' });
      }
      failOpen.inc();
      const r = await seeded(local, plan);
      if (r.kind === 'ok') admittedLocally.set(plan.requestId, lateRisk);
      else if (lateRisk && plan.limits.concurrency !== null) missedSettles.missed(releaseOf(plan));
      return r;
    }
  };

  return {
    backend,
    admit(plan) {
      // A reset or raise of the key's budget counters under way goes first (Postgres runs it in a
      // transaction of its own, which an admission on another connection could overtake).
      const resetting = forgetting.get(plan.keyId);
      if (shared === undefined) {
        if (resetting !== undefined) return resetting.then(() => admitLocally(plan));
        // In the process: synchronous, no promise on the hot path.
        return admitLocally(plan);
      }
      return resetting === undefined ? admitShared(shared, plan) : resetting.then(() => admitShared(shared, plan));
    },
    settle(plan: SettlePlan) {
      if (shared === undefined) {
        local.settleNow(plan);
        return;
      }
      const lateRisk = admittedLocally.get(plan.requestId);
      if (lateRisk !== undefined) {
        admittedLocally.delete(plan.requestId);
        local.settleNow(plan);
        // The shared counters never saw its tokens: their budget counters start again from the
        // usage buckets once they answer.
        missedSettles.missed({ ...plan, limits: { ...plan.limits, concurrency: null } });
        // A shared admission that timed out may still run late (a Redis that stalled runs the
        // commands it had received once it answers again): its concurrency slot is given back
        // too, or it would hold the key's slot until its lease ends.
        if (lateRisk && plan.limits.concurrency !== null) {
          const release = releaseOf(plan);
          shared.settle(release).catch(() => missedSettles.missed(release));
        }
        return;
      }
      leases.released(plan.requestId);
      return shared.settle(plan).catch((err: unknown) => {
        missedSettles.missed(plan);
        logger.warn({ err: String(err) }, 'limit counters: settle failed (retried every second until they answer)');
      });
    },
    rateLimited: (keyId) => rejected.add(keyId, utcDay(clock.now())),
    async inFlight(keyId) {
      const now = clock.now();
      const here = await local.inFlight(keyId, now);
      if (shared === undefined) return here;
      return here + (await shared.inFlight(keyId, now).catch(() => 0));
    },
    flush: () => rejected.flush(),
    forgetBudgets(keyId) {
      void local.forgetBudgets(keyId, utcDay(clock.now()));
      if (shared === undefined) return;
      resetBudgets(shared, keyId).catch((err: unknown) => logger.warn({ err: String(err) }, 'limit counters: could not reset a budget counter'));
    },
    raiseBudgets(keyId) {
      const day = utcDay(clock.now());
      const raised = seedOf(keyId, day).then((seed) => Promise.all([local.raiseBudgets(keyId, day, seed), shared?.raiseBudgets(keyId, day, seed)]));
      beforeAdmissions(keyId, raised).catch((err: unknown) => logger.warn({ err: String(err) }, 'limit counters: could not bring a budget counter up to the usage buckets'));
    },
    ready: () => shared?.ready() ?? Promise.resolve(),
    health: () => shared?.health?.() ?? ANSWERING,
    async close() {
      clearInterval(timer);
      clearInterval(renewTimer);
      await rejected.close();
      // One last try for settles still owed (a restart right after the counters came back).
      const last = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
      await Promise.race([retryMissed(), last]);
      await shared?.close();
    },
  };
}
