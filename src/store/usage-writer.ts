/**
 * Group commit for usage: every request's increment is queued and all increments queued in
 * the same event-loop turn are written in ONE transaction. Each caller's promise resolves
 * only after that transaction commits, so "usage committed before the response ends" holds
 * while the store sees one transaction per turn instead of one per request.
 */
import type { Store } from './db.js';
import { recordUsage, sqliteUsageRecorder, type UsageIncrement } from './usage.repo.js';

export interface UsageWriter {
  /** Queue an increment; resolves once it is committed (rejects if the commit fails). */
  commit(inc: UsageIncrement): Promise<void>;
  /** Resolves when everything queued so far is committed. */
  drain(): Promise<void>;
}

interface Pending {
  readonly items: UsageIncrement[];
  readonly done: Promise<void>;
}

export function createUsageWriter(store: Store): UsageWriter {
  let pending: Pending | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const sqliteRecord = store.sqlite === undefined ? undefined : sqliteUsageRecorder(store.sqlite);
  // The SQLite fast path still takes Kysely's single connection, so it can never run in the
  // middle of another caller's open transaction on that connection.
  const record = (items: readonly UsageIncrement[]): Promise<void> =>
    sqliteRecord === undefined
      ? recordUsage(store.db, items)
      : store.db.connection().execute(async () => sqliteRecord(items));

  function schedule(): Pending {
    const items: UsageIncrement[] = [];
    const previous = inFlight;
    // Wait for the previous batch so batches commit in order and never overlap (SQLite has
    // one writer anyway; on Postgres this bounds the pool use of accounting to one connection).
    const done = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => previous)
      .then(() => {
        if (pending?.items === items) pending = undefined;
        return record(items);
      });
    inFlight = done.catch(() => undefined);
    return { items, done };
  }

  return {
    commit(inc) {
      pending ??= schedule();
      pending.items.push(inc);
      return pending.done;
    },
    drain() {
      return pending?.done.catch(() => undefined) ?? inFlight;
    },
  };
}
