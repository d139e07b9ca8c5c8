/**
 * The login rate limit (LOGIN_LIMIT per minute per IP on POST /api/login), as fixed
 * one-minute windows. The counter lives in Redis when REDIS_URL is set, otherwise in the
 * database's `rate_limits` table; either way every replica sharing that store shares the
 * limit. If Redis fails mid-flight the database counter takes over rather than opening the gate.
 */
import { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../core/clock.js';
import { LOGIN_LIMIT, LOGIN_WINDOW_MS } from '../shared/api-contract.js';
import type { Store } from '../store/db.js';
import { hitFixedWindow, pruneRateLimits } from '../store/rate-limits.repo.js';

// One definition, shared with the console (which quotes it on a 429).
export { LOGIN_LIMIT, LOGIN_WINDOW_MS };

export interface LimitDecision {
  readonly allowed: boolean;
  /** Seconds until the current window ends (for `Retry-After`). */
  readonly retryAfterSeconds: number;
}

export interface LoginLimiter {
  /** Where the counters live. */
  readonly backend: 'redis' | 'database';
  /** Count one attempt from `ip` and say whether it may proceed. */
  hit(ip: string): Promise<LimitDecision>;
  close(): Promise<void>;
}

export interface LoginLimiterOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly redisUrl: string | undefined;
  readonly log: FastifyBaseLogger;
  /** Redis key prefix (tests isolate with it). */
  readonly redisPrefix?: string;
}

type Counter = (bucket: string, windowStart: number) => Promise<number>;

/** At most one log line this often about Redis being away. */
const ERROR_LOG_MS = 10_000;

export async function createLoginLimiter(opts: LoginLimiterOptions): Promise<LoginLimiter> {
  const { store, clock, log } = opts;
  let lastPrune = 0;
  const database: Counter = async (bucket, windowStart) => {
    // Old windows are dead weight; sweep them at most once a window per process.
    if (windowStart - lastPrune >= LOGIN_WINDOW_MS) {
      lastPrune = windowStart;
      await pruneRateLimits(store.db, windowStart - LOGIN_WINDOW_MS);
    }
    return hitFixedWindow(store.db, bucket, windowStart);
  };

  let redis: Redis | undefined;
  let counter = database;
  if (opts.redisUrl !== undefined) {
    // commandTimeout: a Redis that accepts connections and never answers must not hold a login.
    const client = new Redis(opts.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 1000 });
    // ioredis reports every failed reconnect (about one a second while Redis is away): one line
    // per ERROR_LOG_MS is enough to say it is still away.
    let lastErrorLog = -Infinity;
    client.on('error', (err: Error) => {
      const now = Date.now();
      if (now - lastErrorLog < ERROR_LOG_MS) return;
      lastErrorLog = now;
      log.warn({ err: err.message }, 'redis (login limit) error; logins are counted in the database meanwhile');
    });
    // Not awaited: until Redis answers (it may accept connections and never do), logins are
    // counted in the database.
    client.connect().catch((err: unknown) => log.warn({ err: String(err) }, 'redis unreachable at start; retrying in the background'));
    redis = client;
    const prefix = opts.redisPrefix ?? 'worv-proxy:';
    counter = async (bucket, windowStart) => {
      const key = `${prefix}${bucket}:${windowStart}`;
      try {
        const res = await client.multi().incr(key).pexpire(key, 2 * LOGIN_WINDOW_MS).exec();
        const hits = res?.[0]?.[1];
        if (typeof hits !== 'number') throw new Error('unexpected INCR reply');
        return hits;
      } catch (err) {
        log.warn({ err: String(err) }, 'redis login counter failed; using the database counter');
        return database(bucket, windowStart);
      }
    };
  }

  return {
    backend: redis === undefined ? 'database' : 'redis',
    async hit(ip) {
      const now = clock.now();
      const windowStart = now - (now % LOGIN_WINDOW_MS);
      const hits = await counter(`login:${ip}`, windowStart);
      return { allowed: hits <= LOGIN_LIMIT, retryAfterSeconds: Math.max(1, Math.ceil((windowStart + LOGIN_WINDOW_MS - now) / 1000)) };
    },
    async close() {
      if (redis !== undefined) await redis.quit().catch(() => redis?.disconnect());
    },
  };
}
