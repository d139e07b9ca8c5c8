/**
 * The Redis that tests needing one use (TEST_REDIS_URL, default redis://127.0.0.1:6379); those
 * tests are skipped, with the reason printed, when none answers there.
 */
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** undefined when Redis answers a PING, else the reason it does not. */
export async function redisUnavailableReason(): Promise<string | undefined> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  // The failed connect is reported by the rejected promise; without a listener ioredis would also log it.
  r.on('error', () => undefined);
  try {
    await r.connect();
    await r.ping();
    return undefined;
  } catch (err) {
    return `Redis not reachable at ${REDIS_URL}: ${String(err)}`;
  } finally {
    r.disconnect();
  }
}
