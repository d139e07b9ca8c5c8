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
 * spooled until a background replay has applied the whole spool (spool-marks.ts: exactly once),
 * retried with back-off while the store is away; then commits go to the store again. Spools
 * of processes that are gone are adopted and replayed at start-up. Readers call drain() first.
 */
import type SqliteDatabase from 'better-sqlite3';
import type { Store } from './db.js';
import { applySpooled, ensureMark, removeMark } from './spool-marks.js';
import { openSpoolFiles, type Segment, type SpoolEntry, type SpoolFiles } from './usage-spool.js';
import { recordUsage, recordUsagePostgres, sqliteUsageRecorder, type UsageIncrement } from './usage.repo.js';

/** How long a commit may keep a response waiting before it is spooled instead. */
export const COMMIT_BOUND_MS = 250;
/** Replay retry delays while the store is away (doubling up to the last). */
const RETRY_MS = [250, 500, 1000, 2000, 5000];
/** Entries per replay transaction. */
const REPLAY_CHUNK = 2000;

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
  /** A replay attempt failed (it is retried). */
  readonly onReplayError?: (err: unknown) => void;
  /** Requests whose key was deleted before their usage was applied: dropped. */
  readonly onDropped?: (requests: number) => void;
}

export interface SpoolStats {
  /** Increments in the spool, not yet applied. */
  readonly entries: number;
  /** Epoch ms of the oldest one (undefined when empty). */
  readonly oldestAt: number | undefined;
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
  /** Spooled, not yet applied usage of one key (what the counters do not show yet). */
  spooled(keyId: string): { requests: number; promptTokens: number; completionTokens: number };
  /** Drains, then removes an empty spool. Commits after this go straight to the store. */
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
  const files: SpoolFiles | undefined =
    opts.spoolDir === undefined ? undefined : openSpoolFiles(opts.spoolDir, opts.spoolPrefix ?? '', opts.storeId ?? 'default');
  /** Segments with entries to replay: adopted ones first, then ours (the last is `own`). */
  const segments: Segment[] = files?.adopt() ?? [];
  let own: Segment | undefined = files?.newSegment();
  if (own !== undefined) segments.push(own);
  let ownMarked = false; // Postgres: the own segment's mark row exists
  /** The own segment's last sequence number: numbered as batches run, so each batch is a contiguous range. */
  let ownSeq = 0;
  let spooling = false;
  let pending: Batch | undefined;
  let chain: Promise<void> = COMMITTED;
  /** Batches scheduled and not yet settled: a direct commit must not overtake them. */
  let unsettled = 0;
  let replaying: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;

  const noteDropped = (n: number): void => {
    if (n > 0) opts.onDropped?.(n);
  };

  const numbered = (incs: readonly UsageIncrement[]): SpoolEntry[] => incs.map((inc) => ({ seq: ++ownSeq, inc }));

  /** Appends to the spool; from now on commits are spooled until a replay empties it. */
  function spool(entries: readonly SpoolEntry[], reason: unknown): void {
    if (files === undefined || own === undefined) throw asError(reason);
    files.append(own, entries);
    own.entries.push(...entries);
    if (!spooling) {
      spooling = true;
      opts.onSpooling?.(reason);
      scheduleReplay();
    }
  }

  function scheduleReplay(): void {
    if (retryTimer !== undefined || replaying !== undefined) return;
    const delay = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)]!;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void replay();
    }, delay);
    retryTimer.unref();
  }

  /** Replays every segment; on success, a new own segment takes the direct commits again. */
  function replay(): Promise<void> {
    replaying ??= (async () => {
      let applied = 0;
      try {
        for (const seg of [...segments]) {
          while (seg.entries.length > 0) {
            const r = await applySpooled(store, seg.id, seg.entries.slice(0, REPLAY_CHUNK));
            noteDropped(r.dropped);
            const before = seg.entries.length;
            seg.entries = seg.entries.filter((e) => e.seq > r.mark);
            applied += before - seg.entries.length;
          }
          if (seg === own) {
            // Checked and switched in this one turn: no commit can be spooled in between.
            if (!spooling) continue;
            files!.remove(seg);
            segments.splice(segments.indexOf(seg), 1);
            own = files!.newSegment();
            ownMarked = false;
            ownSeq = 0;
            segments.push(own);
            spooling = false;
            opts.onReplayed?.(applied);
          } else {
            files!.remove(seg);
            segments.splice(segments.indexOf(seg), 1);
            files!.releaseAdopted();
          }
          await removeMark(store, seg.id).catch(() => undefined);
        }
        failures = 0;
      } catch (err) {
        failures++;
        opts.onReplayError?.(err);
        scheduleReplay();
      }
    })().finally(() => {
      replaying = undefined;
    });
    return replaying;
  }

  /** Applies a batch directly, or spools it when that fails or takes longer than the bound. */
  async function runBatch(incs: UsageIncrement[]): Promise<void> {
    const entries = numbered(incs);
    if (spooling) return spool(entries, 'spooling');
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
    spool(entries, outcome === 'late' ? new Error(`usage commit took longer than ${boundMs} ms`) : outcome);
  }

  async function applyDirect(entries: readonly SpoolEntry[], abandoned: () => boolean): Promise<number> {
    const incs = entries.map((e) => e.inc);
    if (sqlite !== undefined) {
      return store.db.connection().execute(async () => (abandoned() ? 0 : sqliteRecord!(incs)));
    }
    if (own === undefined) return recordUsage(store, incs);
    const seg = own;
    if (!ownMarked) {
      await ensureMark(store, seg.id);
      ownMarked = true;
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

  const writer: UsageWriter = {
    commit(inc, alone = false) {
      if (spooling && unsettled === 0) {
        try {
          spool(numbered([inc]), 'spooling');
          return COMMITTED;
        } catch (err) {
          return Promise.reject(asError(err));
        }
      }
      // Not inside another caller's open transaction on the shared connection (Kysely's
      // transactions span awaits): those keep the queue, which waits for the connection.
      if (alone && !spooling && unsettled === 0 && sqliteRecord !== undefined && !(sqlite as SqliteDatabase.Database).inTransaction) {
        try {
          noteDropped(sqliteRecord([inc])); // busy_timeout bounds the wait for another process's lock
          return COMMITTED;
        } catch (err) {
          try {
            spool(numbered([inc]), err);
            return COMMITTED;
          } catch (spoolErr) {
            return Promise.reject(asError(spoolErr));
          }
        }
      }
      pending ??= schedule();
      pending.incs.push(inc);
      return pending.done;
    },
    async drain() {
      await (pending?.done.catch(() => undefined) ?? chain);
      if (segments.some((s) => s.entries.length > 0)) {
        if (retryTimer !== undefined) {
          clearTimeout(retryTimer);
          retryTimer = undefined;
        }
        await replay();
      }
    },
    spoolStats() {
      let entries = 0;
      let oldestAt: number | undefined;
      for (const s of segments) {
        entries += s.entries.length;
        const first = s.entries[0];
        if (first !== undefined) {
          const t = Date.parse(first.inc.usedAt);
          if (oldestAt === undefined || t < oldestAt) oldestAt = t;
        }
      }
      return { entries, oldestAt };
    },
    spooled(keyId) {
      const sum = { requests: 0, promptTokens: 0, completionTokens: 0 };
      for (const s of segments) {
        for (const { inc } of s.entries) {
          if (inc.keyId !== keyId) continue;
          sum.requests += inc.requests;
          sum.promptTokens += inc.promptTokens;
          sum.completionTokens += inc.completionTokens;
        }
      }
      return sum;
    },
    async close() {
      await writer.drain();
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      retryTimer = undefined;
      if (files === undefined) return;
      // An empty own segment (and its mark) can go; entries left stay for the next start.
      if (own !== undefined && own.entries.length === 0) {
        files.remove(own);
        if (ownMarked) await removeMark(store, own.id).catch(() => undefined);
      }
      own = undefined;
      spooling = false;
      files.close();
    },
  };

  // Start-up: replay what stopped processes left (retried in the background while the store is away).
  if (segments.some((s) => s.entries.length > 0) || segments.length > 1) await replay();
  return writer;
}
