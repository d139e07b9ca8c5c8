/**
 * The per-key, per-day count of requests refused with 429 (`rate_limited` in `GET /api/usage`):
 * gathered in memory, written by the limits' one-second timer. While the store refuses them they
 * are kept and written with a later flush, so a store outage loses none (a commit whose answer is
 * lost on the way back can count them twice); a stop before the store answers again says in its
 * log how many were not written.
 */
import type { Logger } from 'pino';
import type { Store } from '../../store/db.js';
import { addRejections } from '../../store/key-limits.repo.js';

const LOG_EVERY_MS = 10_000;

export interface RejectionCounts {
  add(keyId: string, day: string): void;
  /** Writes the counts gathered so far (kept on failure); one write at a time. */
  flush(): Promise<void>;
  /** The last flush, at a stop, after the one under way: what the store does not take is logged as not counted. */
  close(): Promise<void>;
}

export function createRejectionCounts(store: Pick<Store, 'db' | 'dialect'>, logger: Pick<Logger, 'warn'>, now: () => number): RejectionCounts {
  const counts = new Map<string, number>();
  let lastLog = -Infinity;
  let stopping = false;
  let writing: Promise<void> | undefined;
  const held = (): number => [...counts.values()].reduce((a, b) => a + b, 0);
  const write = async (): Promise<void> => {
    if (counts.size === 0) return;
    const taken = [...counts];
    counts.clear();
    const rows = taken.map(([k, count]) => {
      const [keyId = '', day = ''] = k.split('\u0000');
      return { keyId, day, count };
    });
    try {
      await addRejections(store, rows);
    } catch (err) {
      for (const [k, n] of taken) counts.set(k, (counts.get(k) ?? 0) + n);
      if (stopping || now() - lastLog < LOG_EVERY_MS) return;
      lastLog = now();
      logger.warn({ err: String(err) }, `could not record 429 counts; ${held()} kept for the next try`);
    }
  };
  const flush = (): Promise<void> => {
    writing ??= write().finally(() => (writing = undefined));
    return writing;
  };
  return {
    add(keyId, day) {
      const k = `${keyId}\u0000${day}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    },
    flush,
    async close() {
      stopping = true;
      await writing;
      await flush();
      if (counts.size > 0) logger.warn({ not_counted: held() }, `${held()} requests refused with 429 not counted in rate_limited: the store did not take them before the stop`);
    },
  };
}
