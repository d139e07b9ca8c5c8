/**
 * Usage commits. Every request's increment is queued and all increments queued in the same
 * event-loop turn are written in ONE transaction (group commit); each caller's promise resolves
 * once that transaction commits, so "usage committed before the response ends" holds while the
 * store sees one transaction per turn. A request alone in flight on SQLite commits at once, in
 * its own turn (nothing to batch with).
 *
 * When the store cannot take a commit — it fails, or it would keep the response waiting longer
 * than `boundMs` — the increments go to the usage spool instead (usage-spool.ts: a local file,
 * durable when the append returns) and the response completes. From then on every commit is
 * spooled until a background replay (usage-spooler.ts) has applied the whole spool (spool-marks.ts: exactly once),
 * retried with back-off while the store is away; then commits go to the store again. Spools
 * of processes that are gone are adopted and replayed at start-up. Readers call drain() first.
 */
import type SqliteDatabase from 'better-sqlite3';
import type { Store } from './db.js';
import { ensureMark } from './spool-marks.js';
import { openSpoolFiles, type SpoolEntry } from './usage-spool.js';
import { Spooler, type SpooledUsage, type SpoolStats } from './usage-spooler.js';
import { recordUsage, recordUsagePostgres, sqliteUsageRecorder, type UsageIncrement } from './usage.repo.js';
import { settlesWithin } from '../core/settles-within.js';

export type { SpoolStats } from './usage-spooler.js';

/** How long a commit may keep a response waiting before it is spooled instead. */
export const COMMIT_BOUND_MS = 250;

/**
 * How long start-up waits for the store to take the spool stopped processes left before the
 * gateway goes on: a store holding its tables locked (a VACUUM FULL, a long migration) must not
 * keep it from listening. The replay goes on, and is retried, meanwhile.
 */
const STARTUP_REPLAY_WAIT_MS = 5000;

export interface UsageWriterOptions {
  /** Spool folder; undefined = no spool (a commit that fails is lost and reported). */
  readonly spoolDir?: string | undefined;
  /** Spool file names start with this (keeps apart the spools of stores sharing a folder). */
  readonly spoolPrefix?: string;
  /** The store's identity, written in each spool segment: only this store replays them. */
  readonly storeId?: string;
  readonly boundMs?: number;
  /** The store stopped taking commits: they go to the spool from now on. */
  readonly onSpooling?: (reason: unknown) => void;
  /** The spool was replayed completely; commits go to the store again. */
  readonly onReplayed?: (entries: number) => void;
  /** A spool left by a process that is gone was applied (at start-up) and removed. */
  readonly onAdoptedReplayed?: (path: string, entries: number) => void;
  /** A replay attempt failed (it is retried). */
  readonly onReplayError?: (err: unknown) => void;
  /** Start-up went on while the spool stopped processes left was still being applied (`entries` wait). */
  readonly onReplayPending?: (entries: number) => void;
  /** Requests whose key was deleted before their usage was applied: dropped. */
  readonly onDropped?: (requests: number) => void;
}

export interface UsageWriter {
  /**
   * Commits (or spools) an increment; resolves once it is durable, rejects only when it could
   * be neither committed nor spooled. `alone`: no other request is in flight.
   */
  commit(inc: UsageIncrement, alone?: boolean): Promise<void>;
  /** Resolves when everything committed so far is in the counters, as far as the store answers. */
  drain(): Promise<void>;
  spoolStats(): SpoolStats;
  /** Why the spool's last replay failed (undefined after one that succeeded, or none). */
  replayError(): unknown;
  /** Spooled, not yet applied usage of one key (what the counters do not show yet). */
  spooled(keyId: string): SpooledUsage;
  /** Drains (a replay that fails now is not retried nor reported: the caller reports what is left), then removes an empty spool. Commits after this go straight to the store. */
  close(): Promise<void>;
}

interface Batch {
  readonly incs: UsageIncrement[];
  readonly done: Promise<void>;
}

const COMMITTED: Promise<void> = Promise.resolve();
const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

export async function openUsageWriter(store: Store, opts: UsageWriterOptions = {}): Promise<UsageWriter> {
  const boundMs = opts.boundMs ?? COMMIT_BOUND_MS;
  const sqlite = store.sqlite;
  const sqliteRecord = sqlite === undefined ? undefined : sqliteUsageRecorder(sqlite);
  const noteDropped = (n: number): void => {
    if (n > 0) opts.onDropped?.(n);
  };
  const files = opts.spoolDir === undefined ? undefined : openSpoolFiles(opts.spoolDir, opts.spoolPrefix ?? '', opts.storeId ?? 'default');
  const spooler = new Spooler(store, files, {
    onSpooling: opts.onSpooling,
    onReplayed: opts.onReplayed,
    onAdoptedReplayed: opts.onAdoptedReplayed,
    onReplayError: opts.onReplayError,
    noteDropped,
  });
  let pending: Batch | undefined;
  let chain: Promise<void> = COMMITTED;
  /** Batches scheduled and not yet settled: a direct commit must not overtake them. */
  let unsettled = 0;

  /** Applies a batch directly, or spools it when that fails or takes longer than the bound. */
  async function runBatch(incs: UsageIncrement[]): Promise<void> {
    const entries = spooler.numbered(incs);
    if (spooler.spooling) return spooler.spool(entries, 'spooling');
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), boundMs);
    });
    const direct = applyDirect(entries, () => settled).then(
      (dropped) => {
        noteDropped(dropped);
        return 'ok' as const;
      },
      (err: unknown) => asError(err),
    );
    const outcome = await Promise.race([direct, bound]);
    clearTimeout(timer);
    settled = true;
    if (outcome === 'ok') return;
    // Late or failed: spooled. A late Postgres batch may still commit; its guard (the segment's
    // mark) makes the spooled copy skip it. A late SQLite batch has not run and now never will.
    spooler.spool(entries, outcome === 'late' ? new Error(`usage commit took longer than ${boundMs} ms`) : outcome);
  }

  async function applyDirect(entries: readonly SpoolEntry[], abandoned: () => boolean): Promise<number> {
    const incs = entries.map((e) => e.inc);
    if (sqlite !== undefined) {
      return store.db.connection().execute(async () => (abandoned() ? 0 : sqliteRecord!(incs)));
    }
    const seg = spooler.own;
    if (seg === undefined) return recordUsage(store, incs);
    if (!spooler.ownMarked) {
      await ensureMark(store, seg.id);
      spooler.ownMarked = true;
    }
    const first = entries[0]!.seq;
    const r = await recordUsagePostgres(store.db, incs, { spoolId: seg.id, expected: first - 1, next: entries[entries.length - 1]!.seq });
    if (!r.applied) throw new Error('usage batch already applied or out of order');
    return r.dropped;
  }

  function schedule(): Batch {
    const incs: UsageIncrement[] = [];
    const previous = chain;
    // Batches run in order and never overlap (one writer on SQLite anyway; on Postgres this
    // keeps accounting to one connection and the segment's sequence numbers in order).
    const done = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => previous)
      .then(() => {
        if (pending?.incs === incs) pending = undefined;
        return runBatch(incs);
      });
    unsettled++;
    chain = done.then(
      () => void unsettled--,
      () => void unsettled--,
    );
    return { incs, done };
  }

  /** Spools one increment at once (the store is away, or its commit just failed). */
  function spoolNow(inc: UsageIncrement, reason: unknown): Promise<void> {
    try {
      spooler.spool(spooler.numbered([inc]), reason);
      return COMMITTED;
    } catch (err) {
      return Promise.reject(asError(err));
    }
  }

  const writer: UsageWriter = {
    commit(inc, alone = false) {
      if (spooler.spooling && unsettled === 0) return spoolNow(inc, 'spooling');
      // Not inside another caller's open transaction on the shared connection (Kysely's
      // transactions span awaits): those keep the queue, which waits for the connection.
      if (alone && !spooler.spooling && unsettled === 0 && sqliteRecord !== undefined && !(sqlite as SqliteDatabase.Database).inTransaction) {
        try {
          noteDropped(sqliteRecord([inc])); // busy_timeout bounds the wait for another process's lock
          return COMMITTED;
        } catch (err) {
          return spoolNow(inc, err);
        }
      }
      pending ??= schedule();
      pending.incs.push(inc);
      return pending.done;
    },
    async drain() {
      await (pending?.done.catch(() => undefined) ?? chain);
      if (spooler.stats().entries > 0) await spooler.replayNow();
    },
    spoolStats: () => spooler.stats(),
    replayError: () => spooler.lastReplayError,
    spooled: (keyId) => spooler.spooled(keyId),
    async close() {
      spooler.stopping();
      await writer.drain();
      await spooler.close();
    },
  };

  // Start-up: replay what stopped processes left, for a bounded time (it goes on, and is retried,
  // in the background while the store is away or holds its tables locked).
  if (spooler.due && (await settlesWithin(spooler.replayNow(), STARTUP_REPLAY_WAIT_MS)) === 'late') {
    opts.onReplayPending?.(spooler.stats().entries);
  }
  return writer;
}
