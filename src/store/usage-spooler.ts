/**
 * The usage writer's spool side: which segments hold increments not yet in the counters, the
 * appends while the store is away, and the background replay that applies them exactly once
 * (spool-marks.ts), retried with back-off, after which commits go to the store again.
 *
 * Memory is bounded however long the store is away: per segment only counts and a file
 * offset, per key only the sums `spooled()` reports; the entries themselves are read back from
 * the file one chunk at a time when they are replayed.
 */
import type { Store } from './db.js';
import { applySpooled, removeMark } from './spool-marks.js';
import { readEntries, type Segment, type SpoolEntry, type SpoolFiles } from './usage-spool.js';
import type { UsageIncrement } from './usage.repo.js';

/** Replay retry delays while the store is away (doubling up to the last). */
const RETRY_MS = [250, 500, 1000, 2000, 5000];
/** Entries read and applied per replay step (one transaction or statement each). */
export const REPLAY_CHUNK = 500;

export interface SpoolStats {
  /** Increments in the spool, not yet applied. */
  readonly entries: number;
  /** Epoch ms of the oldest one (undefined when empty). */
  readonly oldestAt: number | undefined;
}

export interface SpooledUsage {
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

export interface SpoolerHooks {
  /** The store stopped taking commits: they go to the spool from now on. */
  readonly onSpooling?: ((reason: unknown) => void) | undefined;
  /** The spool was replayed completely; commits go to the store again. */
  readonly onReplayed?: ((entries: number) => void) | undefined;
  /** A replay attempt failed (it is retried). */
  readonly onReplayError?: ((err: unknown) => void) | undefined;
  /** The spool segment a process that is gone left behind was applied (at start-up) and removed. */
  readonly onAdoptedReplayed?: ((path: string, entries: number) => void) | undefined;
  /** Requests whose key was deleted before their usage was applied: dropped. */
  readonly noteDropped: (requests: number) => void;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Spooler {
  readonly #store: Store;
  readonly #files: SpoolFiles | undefined;
  readonly #hooks: SpoolerHooks;
  /** Segments with entries to replay: adopted ones first, then ours (the last is `own`). */
  readonly #segments: Segment[] = [];
  readonly #sums = new Map<string, SpooledUsage>();
  /** This process's segment: numbers direct batches (Postgres guard) and takes appends. */
  own: Segment | undefined;
  /** Why the last replay failed; undefined once one succeeded. */
  lastReplayError: unknown;
  /** Postgres: the own segment's mark row exists. */
  ownMarked = false;
  /** The own segment's last sequence number: numbered as batches run, so each batch is a contiguous range. */
  ownSeq = 0;
  /** Commits go to the spool until a replay has applied it all. */
  spooling = false;
  #replaying: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  /**
   * Stopping: a replay still running ends quietly and nothing is retried (the stop's last lines
   * say what is left, and the next start replays it).
   */
  #closed = false;

  constructor(store: Store, files: SpoolFiles | undefined, hooks: SpoolerHooks) {
    this.#store = store;
    this.#files = files;
    this.#hooks = hooks;
    for (const seg of files?.adopt() ?? []) {
      this.#count(seg);
      this.#segments.push(seg);
    }
    this.own = files?.newSegment();
    if (this.own !== undefined) this.#segments.push(this.own);
  }

  /** Something to replay (at start-up: what stopped processes left). */
  get due(): boolean {
    return this.#segments.length > 1 || this.#segments.some((s) => s.pending > 0);
  }

  numbered(incs: readonly UsageIncrement[]): SpoolEntry[] {
    return incs.map((inc) => ({ seq: ++this.ownSeq, inc }));
  }

  /** Appends to the spool (durable on return); from now on commits are spooled until a replay empties it. */
  spool(entries: readonly SpoolEntry[], reason: unknown): void {
    const files = this.#files;
    const own = this.own;
    if (files === undefined || own === undefined) throw asError(reason);
    files.append(own, entries);
    if (own.pending === 0) own.firstAt = Date.parse(entries[0]!.inc.usedAt);
    own.pending += entries.length;
    for (const e of entries) this.#add(e.inc, 1);
    if (!this.spooling) {
      this.spooling = true;
      this.#hooks.onSpooling?.(reason);
      this.#scheduleReplay();
    }
  }

  stats(): SpoolStats {
    let entries = 0;
    let oldestAt: number | undefined;
    for (const s of this.#segments) {
      entries += s.pending;
      if (s.firstAt !== undefined && (oldestAt === undefined || s.firstAt < oldestAt)) oldestAt = s.firstAt;
    }
    return { entries, oldestAt };
  }

  spooled(keyId: string): SpooledUsage {
    const s = this.#sums.get(keyId);
    return { requests: s?.requests ?? 0, promptTokens: s?.promptTokens ?? 0, completionTokens: s?.completionTokens ?? 0 };
  }

  /** Replays now (the retry timer, if any, is dropped). */
  replayNow(): Promise<void> {
    this.#cancelRetry();
    return this.#replay();
  }

  /** The gateway is stopping: replays still run when asked (the last drain), but fail quietly and are not retried. */
  stopping(): void {
    this.#closed = true;
    this.#cancelRetry();
  }

  /** Stops retrying; removes an empty own segment (and its mark). Entries left stay for the next start. */
  async close(): Promise<void> {
    this.stopping();
    const files = this.#files;
    if (files === undefined) return;
    const own = this.own;
    if (own !== undefined && own.pending === 0) {
      files.remove(own);
      if (this.ownMarked) await removeMark(this.#store, own.id).catch(() => undefined);
    }
    this.own = undefined;
    this.spooling = false;
    files.close();
  }

  #add(inc: UsageIncrement, sign: 1 | -1): void {
    let s = this.#sums.get(inc.keyId);
    if (s === undefined) {
      s = { requests: 0, promptTokens: 0, completionTokens: 0 };
      this.#sums.set(inc.keyId, s);
    }
    s.requests += sign * inc.requests;
    s.promptTokens += sign * inc.promptTokens;
    s.completionTokens += sign * inc.completionTokens;
    if (s.requests === 0) this.#sums.delete(inc.keyId);
  }

  /** Counts an adopted segment's entries (a chunk at a time) without keeping them. */
  #count(seg: Segment): void {
    if (seg.offset < 0) return;
    for (let offset = seg.offset; ; ) {
      const { entries, ends } = readEntries(seg.path, offset, REPLAY_CHUNK);
      if (entries.length === 0) return;
      if (seg.pending === 0) seg.firstAt = Date.parse(entries[0]!.inc.usedAt);
      seg.pending += entries.length;
      for (const e of entries) this.#add(e.inc, 1);
      offset = ends[ends.length - 1]!;
    }
  }

  #cancelRetry(): void {
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  #scheduleReplay(): void {
    if (this.#closed || this.#retryTimer !== undefined || this.#replaying !== undefined) return;
    const delay = RETRY_MS[Math.min(this.#failures, RETRY_MS.length - 1)]!;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#replay();
    }, delay);
    this.#retryTimer.unref();
  }

  /**
   * Applies a segment's pending entries, a chunk per event-loop turn, then retires it in the
   * same turn as the last check (no commit can be spooled in between). Returns whether the
   * segment was retired (its mark can go).
   */
  async #drainSegment(seg: Segment, progress: { applied: number }): Promise<boolean> {
    const before = progress.applied;
    while (seg.pending > 0) {
      const { entries, ends } = seg.offset < 0 ? { entries: [], ends: [] } : readEntries(seg.path, seg.offset, REPLAY_CHUNK);
      if (entries.length === 0) {
        // The rest of the file is torn (a power cut): a line that does not parse ends its segment.
        seg.pending = 0;
        seg.firstAt = undefined;
        break;
      }
      const r = await applySpooled(this.#store, seg.id, entries);
      this.#hooks.noteDropped(r.dropped);
      let done = 0;
      while (done < entries.length && entries[done]!.seq <= r.mark) this.#add(entries[done++]!.inc, -1);
      if (done === 0) throw new Error(`usage spool segment ${seg.id}: its mark is behind its entries`);
      seg.offset = ends[done - 1]!;
      seg.pending -= done;
      progress.applied += done;
      const next = entries[done];
      seg.firstAt = next === undefined ? undefined : Date.parse(next.inc.usedAt);
      if (seg.pending > 0) await nextTurn();
    }
    return this.#retire(seg, progress.applied, progress.applied - before);
  }

  #retire(seg: Segment, applied: number, fromSegment: number): boolean {
    const files = this.#files!;
    if (seg === this.own) {
      if (!this.spooling) return false;
      files.remove(seg);
      this.#segments.splice(this.#segments.indexOf(seg), 1);
      this.own = files.newSegment();
      this.ownMarked = false;
      this.ownSeq = 0;
      this.#segments.push(this.own);
      this.spooling = false;
      this.#hooks.onReplayed?.(applied);
      return true;
    }
    files.remove(seg);
    this.#segments.splice(this.#segments.indexOf(seg), 1);
    files.releaseAdopted();
    this.#hooks.onAdoptedReplayed?.(seg.path, fromSegment);
    return true;
  }

  /** Replays every segment; on success, a new own segment takes the direct commits again. */
  #replay(): Promise<void> {
    let replayed = false;
    this.#replaying ??= (async () => {
      const progress = { applied: 0 };
      try {
        for (const seg of [...this.#segments]) {
          if (await this.#drainSegment(seg, progress)) await removeMark(this.#store, seg.id).catch(() => undefined);
        }
        this.#failures = 0;
        this.lastReplayError = undefined;
        replayed = true;
      } catch (err) {
        this.#failures++;
        this.lastReplayError = err;
        // After the last line of a stop: what it left is said there, and the next start replays it.
        if (!this.#closed) this.#hooks.onReplayError?.(err);
      }
    })().finally(() => {
      this.#replaying = undefined;
      // Armed only now (while a replay runs, #scheduleReplay does nothing): after a failure, and
      // when commits were spooled while this replay ran past the segment they went to.
      if (!replayed || this.spooling) this.#scheduleReplay();
    });
    return this.#replaying;
  }
}
