/**
 * The shutdown's writes to the store: the usage spool's last replay, the request log's queue
 * and the limit counters' settles. Each gets STORE_CLOSE_MS: a store that is locked by another
 * process or hangs (a Postgres `LOCK TABLE`, a network that drops packets) would otherwise hold
 * the drain until the supervisor's SIGKILL. Nothing is lost by not waiting: the usage left in
 * the spool is applied by the next start (exactly once), the request log's rows are kept in the
 * spool folder for the next start to insert, and the operator is told what waits.
 */
import type { Logger } from 'pino';
import { settlesWithin } from '../core/settles-within.js';
import type { UsageWriter } from '../store/usage-writer.js';
import type { RequestLog } from './request-log.js';

/** How long each step may take at shutdown. */
export const STORE_CLOSE_MS = 5000;

export interface StoreWriters {
  readonly usageWriter: UsageWriter;
  readonly requestLog: Pick<RequestLog, 'writer' | 'close' | 'spillQueued'> | undefined;
  readonly limits: { close(): Promise<void> };
}

/** Where the rows the store did not take went. */
function keptOrLost(log: Pick<RequestLog, 'spillQueued'>, unwritten: number): string {
  let kept: ReturnType<RequestLog['spillQueued']>;
  try {
    kept = log.spillQueued();
  } catch (err) {
    return `they are lost: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (kept.why !== undefined) return `they are lost (${kept.why})`;
  const writing = unwritten - kept.kept;
  return (
    (kept.path === undefined ? '' : `${kept.kept} kept in ${kept.path}; the next start writes them`) +
    (writing > 0 ? `${kept.path === undefined ? '' : '; '}${writing} were being written when the drain ended (the store may still take them; if it does not, they are lost)` : '')
  );
}

export async function closeStoreWriters(w: StoreWriters, logger: Logger, ms = STORE_CLOSE_MS): Promise<void> {
  const took = await settlesWithin(w.usageWriter.close(), ms);
  const spooled = w.usageWriter.spoolStats().entries;
  if (spooled > 0) {
    const why = took === 'late' ? `the store did not take it within ${ms / 1000} s` : 'the store did not take it';
    logger.warn(`usage of ${spooled} request(s) left in the usage spool: ${why}; the next start applies it`);
  }
  if (w.requestLog !== undefined) {
    await settlesWithin(w.requestLog.close(), ms);
    const unwritten = w.requestLog.writer.stats().queued;
    if (unwritten > 0) logger.warn(`request log: ${unwritten} row(s) not written: the store did not take them; ${keptOrLost(w.requestLog, unwritten)}`);
  }
  if ((await settlesWithin(w.limits.close(), ms)) === 'late') logger.warn(`limit counters: the last settles were not written within ${ms / 1000} s`);
}
