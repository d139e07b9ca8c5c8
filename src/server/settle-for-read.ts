/**
 * What the admin API's reads of usage and of the request log wait for: every request that has
 * ended is in the store first. When the store takes reads but not writes (a SQLite file another
 * process holds locked, a Postgres that refuses the commit), the rows still waiting would make
 * the answer silently short, so the read is refused with 503 and says how many wait; on
 * Postgres a store that is away refuses the read itself the same way.
 */
import { GatewayError } from '../core/errors.js';
import type { RequestLogWriter } from '../store/request-log-writer.js';
import { isStoreUnavailable } from '../store/unavailable.js';
import type { UsageWriter } from '../store/usage-writer.js';

/** A store that refused a write is worth asking again after a second (a lock released, a restart). */
const RETRY_AFTER = { 'retry-after': '1' };

const requests = (n: number): string => `${n} ended request${n === 1 ? '' : 's'}`;

/** Usage spooled, then replayed into the store; refused while part of it is still spooled. */
export async function settleUsageForRead(usage: UsageWriter, others: () => Promise<void>): Promise<void> {
  await Promise.all([usage.drain(), others()]);
  const waiting = usage.spoolStats().entries;
  if (waiting > 0) {
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
