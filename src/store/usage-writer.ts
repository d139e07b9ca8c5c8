/**
 * Group commit for usage: every request's increment is queued and all increments queued in
 * the same event-loop turn are written in ONE transaction. Each caller's promise resolves
 * only after that transaction commits, so "usage committed before the response ends" holds
 * while the store sees one transaction per turn instead of one per request.
 *
 * A request that is alone (nothing else in flight, so nothing to batch with) commits at once
 * on SQLite, in the caller's own turn: with a journal (a SQLite file store; the gateway turns
 * it on), one append to this process's usage journal, folded into the counters within
 * FOLD_DELAY_MS (usage-journal.ts); without one, a synchronous transaction. That is the
 * single-connection latency path. Readers call drain() first, so they see every commit.
 */
import type SqliteDatabase from 'better-sqlite3';
import type { Store } from './db.js';
import { openUsageJournal, recoverUsageJournals, type RecoveryReport, type UsageJournal } from './usage-journal.js';
import { recordUsage, sqliteUsageRecorder, type UsageIncrement } from './usage.repo.js';

/** How long a journal entry waits before it is folded: many entries share one transaction. */
export const FOLD_DELAY_MS = 100;
/** Fold at once past this many unfolded entries (bounds the memory they hold). */
const FOLD_AT_ENTRIES = 1024;
/** Retry delay after a failed fold (the entries stay in the journal). */
const FOLD_RETRY_MS = 1000;

export interface UsageWriterOptions {
  /**
   * Journal the commits of requests alone in flight (SQLite file stores only; ignored
   * otherwise). Opening it first recovers the journals of processes that are gone.
   */
  readonly journal?: boolean;
  /** A background fold failed (it is retried; nothing is lost). */
  readonly onFoldError?: (err: unknown) => void;
  /** An append to the journal failed; that commit went to the database instead. */
  readonly onAppendError?: (err: unknown) => void;
}

export interface UsageWriter {
  /**
   * Queue an increment; resolves once it is committed (rejects if the commit fails). `alone`:
   * the caller knows no other request is in flight, so waiting for a batch gains nothing.
   */
  commit(inc: UsageIncrement, alone?: boolean): Promise<void>;
  /** Resolves when everything committed so far is in the counters (the journal folded). */
  drain(): Promise<void>;
  /** This process's usage journal, when on. */
  readonly journal: UsageJournal | undefined;
  /** What start-up recovery found (undefined without a journal). */
  readonly recovery: RecoveryReport | undefined;
  /** Drains, then closes and deletes the journal. Commits after this go straight to the store. */
  close(): Promise<void>;
}

interface Pending {
  readonly items: UsageIncrement[];
  readonly done: Promise<void>;
}

const COMMITTED: Promise<void> = Promise.resolve();

export function createUsageWriter(store: Store, opts: UsageWriterOptions = {}): UsageWriter {
  let pending: Pending | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  /** Batches scheduled and not yet settled: a direct commit must not overtake them. */
  let unsettled = 0;
  const sqlite = store.sqlite;
  const sqliteRecord = sqlite === undefined ? undefined : sqliteUsageRecorder(sqlite);
  let recovery: RecoveryReport | undefined;
  let journal: UsageJournal | undefined;
  if (opts.journal === true && sqlite !== undefined && store.sqlitePath !== undefined) {
    recovery = recoverUsageJournals(sqlite, store.sqlitePath);
    journal = openUsageJournal(sqlite, store.sqlitePath);
  }
  let foldTimer: NodeJS.Timeout | undefined;
  let folding: Promise<void> | undefined;

  /** Folds the journal under the main connection (never inside another caller's transaction). */
  function foldNow(): Promise<void> {
    if (foldTimer !== undefined) {
      clearTimeout(foldTimer);
      foldTimer = undefined;
    }
    const j = journal;
    if (j === undefined || j.unfolded === 0) return folding ?? COMMITTED;
    const run = (folding ?? COMMITTED)
      .then(() => store.db.connection().execute(async () => j.fold()))
      .finally(() => {
        if (folding === run) folding = undefined;
      });
    folding = run;
    return run;
  }

  function scheduleFold(delay: number): void {
    if (foldTimer !== undefined) {
      if (delay > 0) return;
      // Too many unfolded entries: fold now rather than at the pending timer.
      clearTimeout(foldTimer);
    }
    foldTimer = setTimeout(() => {
      foldTimer = undefined;
      foldNow().catch((err: unknown) => {
        opts.onFoldError?.(err);
        scheduleFold(FOLD_RETRY_MS);
      });
    }, delay);
    // A pending fold never keeps the process alive: close() folds what is left.
    foldTimer.unref();
  }

  async function drain(): Promise<void> {
    await (pending?.done.catch(() => undefined) ?? inFlight);
    // A failed fold keeps its entries in the journal; readers then see the counters without them.
    await foldNow().catch((err: unknown) => {
      opts.onFoldError?.(err);
      scheduleFold(FOLD_RETRY_MS);
    });
  }

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
      if (journal !== undefined && alone) {
        try {
          journal.append(inc);
          scheduleFold(journal.unfolded >= FOLD_AT_ENTRIES ? 0 : FOLD_DELAY_MS);
          return COMMITTED;
        } catch (err) {
          // A journal that cannot be written (a full disk, say): commit in the database.
          opts.onAppendError?.(err);
        }
      }
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
    drain,
    get journal() {
      return journal;
    },
    recovery,
    async close() {
      await drain();
      const j = journal;
      if (j === undefined) return;
      journal = undefined;
      await store.db.connection().execute(async () => j.close());
    },
  };
}
