/**
 * Usage accounting as the gateway runs it: the usage writer (group commit, spool) opened on the
 * store with its log lines, and bound to the data plane's UsageSink port.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { isoTime, utcDay, type Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { UsageSink } from '../data-plane/context.js';
import type { Store } from '../store/db.js';
import { getOrCreateSetting } from '../store/settings.repo.js';
import { openUsageWriter, type UsageWriter } from '../store/usage-writer.js';
import { spoolPlace } from './spool-place.js';

/** Opens the usage writer; what it spools, replays and drops is logged. */
export async function openUsage(config: Config, store: Store, logger: Logger, onDropped: (requests: number) => void): Promise<UsageWriter> {
  return openUsageWriter(store, {
    ...spoolPlace(config, store),
    storeId: await getOrCreateSetting(store.db, 'store_id', () => randomUUID()),
    onSpooling: (reason) => logger.warn({ err: String(reason) }, 'store not taking usage commits: spooling them until it does'),
    onReplayed: (n) => logger.warn(`usage spool replayed into the store: ${n} request(s); commits go to the store again`),
    onAdoptedReplayed: (path, n) => logger.warn(`usage spool left by a stopped process replayed into the store: ${n} request(s) from ${path}`),
    onReplayError: (err) => logger.warn({ err: String(err) }, 'usage spool replay failed; retrying'),
    onReplayPending: (n) => logger.warn(`usage spool left by a stopped process: the store has not taken its ${n} request(s) yet; serving meanwhile, the replay goes on`),
    onDropped: (n) => {
      onDropped(n);
      logger.warn(`usage of ${n} request(s) dropped: their key was deleted`);
    },
  });
}

/** Binds the usage writer (group commit, spool) to the data plane's UsageSink port. */
export function usageSinkFor(writer: UsageWriter, clock: Clock): UsageSink {
  return {
    commit(keyId, usage, alone) {
      const now = clock.now();
      return writer.commit(
        {
          keyId,
          day: utcDay(now),
          requests: 1,
          promptTokens: usage.promptTokens,
          completionTokens: usage.completionTokens,
          cachedTokens: usage.cachedTokens,
          reasoningTokens: usage.reasoningTokens,
          usedAt: isoTime(now),
        },
        alone,
      );
    },
  };
}

/** Spooled usage this old, with no replay error yet, counts as not taken (a replay runs every few seconds). */
const SPOOL_STUCK_MS = 10_000;

/**
 * Why usage is not reaching the store, for readiness and status: requests wait in the spool and
 * the store refused the last replay (a read-only standby, a schema the gateway does not know),
 * or they have waited longer than replays take. Undefined while usage goes to the store.
 */
export function usageNotWritten(writer: UsageWriter, now: number): string | undefined {
  const { entries, oldestAt } = writer.spoolStats();
  if (entries === 0) return undefined;
  const err = writer.replayError();
  const age = oldestAt === undefined ? 0 : Math.max(0, now - oldestAt);
  if (err === undefined && age < SPOOL_STUCK_MS) return undefined;
  const waiting = `${entries} request(s) wait in the usage spool, the oldest for ${Math.round(age / 1000)} s`;
  return err === undefined ? `the store has not taken usage yet: ${waiting}` : `the store refuses usage: ${err instanceof Error ? err.message : JSON.stringify(err)}; ${waiting}`;
}
