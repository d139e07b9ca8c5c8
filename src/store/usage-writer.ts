/**
 * Group commit for usage: every request's increment is queued and all increments queued in
 * the same event-loop turn are written in ONE transaction. Each caller's promise resolves
 * only after that transaction commits, so "usage committed before the response ends" holds
 * while the store sees one transaction per turn instead of one per request.
 *
 * A request that is alone (nothing else in flight, so nothing to batch with) commits at once
 * on SQLite: a synchronous transaction in the caller's own turn, without the queue's
 * event-loop hop. That is the single-connection latency path.
 */
import type SqliteDatabase from 'better-sqlite3';
import type { Store } from './db.js';
import { recordUsage, sqliteUsageRecorder, type UsageIncrement } from './usage.repo.js';

export interface UsageWriter {
  /**
   * Queue an increment; resolves once it is committed (rejects if the commit fails). `alone`:
   * the caller knows no other request is in flight, so waiting for a batch gains nothing.
   */
  commit(inc: UsageIncrement, alone?: boolean): Promise<void>;
  /** Resolves when everything queued so far is committed. */
  drain(): Promise<void>;
}

interface Pending {
  readonly items: UsageIncrement[];
  readonly done: Promise<void>;
}

const COMMITTED: Promise<void> = Promise.resolve();

export function createUsageWriter(store: Store): UsageWriter {
  let pending: Pending | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  /** Batches scheduled and not yet settled: a direct commit must not overtake them. */
  let unsettled = 0;
  const sqlite = store.sqlite;
  const sqliteRecord = sqlite === undefined ? undefined : sqliteUsageRecorder(sqlite);

  function schedule(): Pending {
    const items: UsageIncrement[] = [];
    const previous = inFlight;
    // Wait for the previous batch so batches commit in order and never overlap (SQLite has
    // one writer anyway; on Postgres this bounds the pool use of accounting to one connection).
    const done = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => previous)
      .then(() => {
        if (pending?.items === items) pending = undefined;
        return recordUsage(store, items);
      });
    unsettled++;
    inFlight = done.then(
      () => void unsettled--,
      () => void unsettled--,
    );
    return { items, done };
  }

  return {
    commit(inc, alone = false) {
      // Not inside another caller's open transaction on the shared connection (Kysely's
      // transactions span awaits): those keep the queue, which waits for the connection.
      if (alone && unsettled === 0 && sqliteRecord !== undefined && !(sqlite as SqliteDatabase.Database).inTransaction) {
        try {
          sqliteRecord([inc]);
          return COMMITTED;
        } catch (err) {
          return Promise.reject(err instanceof Error ? err : new Error(String(err)));
        }
      }
      pending ??= schedule();
      pending.items.push(inc);
      return pending.done;
    },
    drain() {
      return pending?.done.catch(() => undefined) ?? inFlight;
    },
  };
}
