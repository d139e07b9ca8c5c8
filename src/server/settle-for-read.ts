/**
 * What the admin API waits for before it reads usage or the request log: every request that
 * has ended is in the store. When the store takes reads but not writes (a SQLite file another
 * process holds locked, a Postgres that refuses the commit), the rows still waiting would make
 * a read silently short, so the read is refused with 503 and says how many wait; on Postgres a
 * store that is away refuses the read itself the same way. Only a store that refuses writes
 * does this: a replay that failed for another reason is retried in the background and logged,
 * and must not lock the admin out of its usage.
 */
import { GatewayError } from '../core/errors.js';
import type { RequestLogWriter } from '../store/request-log-writer.js';
import { isStoreUnavailable } from '../store/unavailable.js';
import type { UsageWriter } from '../store/usage-writer.js';

/** A store that refused a write is worth asking again after a second (a lock released, a restart). */
const RETRY_AFTER = { 'retry-after': '1' };

const requests = (n: number): string => `${n} ended request${n === 1 ? '' : 's'}`;

/**
 * Usage spooled, then replayed into the store. `forRead`: a read of usage follows, refused
 * while the store does not take the replay (writes only need the replay tried).
 */
export async function settleUsage(usage: UsageWriter, others: () => Promise<void>, forRead: boolean): Promise<void> {
  await Promise.all([usage.drain(), others()]);
  if (!forRead) return;
  const waiting = usage.spoolStats().entries;
  // Entries spooled after a replay that succeeded (a commit that was slow) are not the store refusing.
  if (waiting > 0 && isStoreUnavailable(usage.replayError())) {
    throw new GatewayError(
      'store_unavailable',
      `Store unavailable: ${requests(waiting)} wait in the usage spool until the store takes writes again; the totals would leave them out`,
      RETRY_AFTER,
    );
  }
}

/** The request log's queued rows written; refused while the store does not take them. */
export async function settleRequestLogForRead(writer: RequestLogWriter<unknown> | undefined): Promise<void> {
  if (writer === undefined) return;
  try {
    await writer.flush();
  } catch (err) {
    const waiting = writer.stats().queued;
    // Any other failure (not the store's) leaves the read as it is: the rows are retried.
    if (waiting > 0 && isStoreUnavailable(err)) {
      throw new GatewayError(
        'store_unavailable',
        `Store unavailable: ${requests(waiting)} wait to be written to the request log until the store takes writes again`,
        RETRY_AFTER,
      );
    }
  }
}
