/**
 * The request log's writer. The data plane's observer only appends to a bounded in-memory queue
 * (a ring: constant work per request, no allocation beyond the slot); rows go to the store in
 * batches, from a timer or once a batch is full, never on a request's path. While the store is
 * away the queue keeps the newest `capacity` requests: the oldest are dropped and counted
 * (metric `worv_proxy_request_log_dropped_total`), so memory stays bounded. Items may also
 * weigh (their bodies' bytes): past `maxWeight` queued, a new item is lightened (its bodies left
 * out) rather than queued whole, so 10,000 requests with 128 KiB of bodies each cannot pile up.
 * Retention runs at start and every hour, in chunks.
 */
import type { Store } from './db.js';
import { insertRequestLog, pruneRequestLog, type RequestLogInsert } from './request-log.repo.js';

export interface RequestLogWriterOptions<T> {
  /** Builds the row of a queued item (run at flush time, off the request's path). */
  readonly toRow: (item: T) => RequestLogInsert;
  /** Days rows are kept. */
  readonly days: number;
  /** Epoch ms (tests move it). */
  readonly now: () => number;
  /** Requests held while the store is slow or away (default 10,000). */
  readonly capacity?: number;
  /** A batch is written at most this long after its first row (default 1,000 ms). */
  readonly flushMs?: number;
  /** Requests dropped from a full queue. */
  readonly onDropped?: (n: number) => void;
  /** A batch or a prune failed (the batch is retried, with back-off). */
  readonly onError?: (err: unknown) => void;
  /** An item's bytes held besides its slot (its bodies); none by default. */
  readonly weight?: (item: T) => number;
  /** Bytes the queued items may hold together (default 64 MiB). */
  readonly maxWeight?: number;
  /** The item without what makes it weigh, queued in its place once `maxWeight` is reached. */
  readonly lighten?: (item: T) => T;
}

export interface RequestLogWriter<T> {
  /** Queues one request (constant time; drops the oldest when full). */
  add(item: T): void;
  /** Writes everything queued so far; rejects when the store refuses it (the rows stay queued). */
  flush(): Promise<void>;
  /** Deletes rows older than the retention; returns how many went. */
  prune(): Promise<number>;
  /** Requests waiting, and dropped since start. */
  stats(): { readonly queued: number; readonly dropped: number; readonly weight: number };
  /** Stops the timers and writes what is queued (best effort). */
  close(): Promise<void>;
  /** The rows of the items queued behind the batch being written, which leave the queue (kept elsewhere at shutdown). */
  takeQueued(): RequestLogInsert[];
}

// A batch is one synchronous transaction on SQLite: 250 rows take about 1.5 ms (about 6 µs a
// row), and the writer yields to the event loop between batches. Each commit writes out every
// page it touched (the table's last pages, each index's insertion points), so fuller batches
// cost less per row: 250 instead of 100 saves about 2 µs of CPU a row.
const BATCH = 250;
/** Body bytes per batch: 250 rows of 128 KiB would still hold the event loop for a long write. */
const BATCH_WEIGHT = 4 * 1024 * 1024;
const RETRY_MS = [1000, 2000, 5000, 10_000, 30_000];
const PRUNE_EVERY_MS = 3_600_000;
const DAY_MS = 86_400_000;

export function openRequestLogWriter<T>(store: Store, opts: RequestLogWriterOptions<T>): RequestLogWriter<T> {
  const capacity = Math.max(1, opts.capacity ?? 10_000);
  const flushMs = opts.flushMs ?? 1000;
  const weigh = opts.weight;
  const maxWeight = opts.maxWeight ?? 64 * 1024 * 1024;
  let weight = 0;
  const ring: (T | undefined)[] = new Array<T | undefined>(capacity);
  let head = 0; // index of the oldest item
  let count = 0;
  /** Items ever added, and ever written or dropped: a flush waits only for what was added before it. */
  let added = 0;
  let settled = 0;
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> | undefined;
  /** Items of the batch being written still in the ring (the oldest ones). */
  let inBatch = 0;
  let soon = false;
  let failures = 0;
  let closed = false;

  /** The oldest items, at most `n` of them and (after the first) at most BATCH_WEIGHT bytes. */
  function take(n: number): T[] {
    const out: T[] = [];
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const item = ring[(head + i) % capacity] as T;
      if (weigh !== undefined) {
        bytes += weigh(item);
        if (bytes > BATCH_WEIGHT && i > 0) break;
      }
      out.push(item);
    }
    return out;
  }

  /** Forgets the `n` oldest items (written, or dropped). */
  function forget(n: number): void {
    for (let i = 0; i < n; i++) {
      const at = (head + i) % capacity;
      if (weigh !== undefined) weight -= weigh(ring[at] as T);
      ring[at] = undefined;
    }
    head = (head + n) % capacity;
    count -= n;
    settled += n;
  }

  function schedule(ms: number): void {
    if (timer !== undefined || closed) return;
    timer = setTimeout(onTimer, ms);
    timer.unref();
  }

  function onTimer(): void {
    timer = undefined;
    soon = false;
    flush().catch(() => undefined);
  }

  function countDropped(n: number): void {
    if (n <= 0) return;
    dropped += n;
    opts.onDropped?.(n);
  }

  /** The items queued now, batch after batch (items added meanwhile wait for the next write). */
  async function writeQueued(): Promise<void> {
    let left = count;
    while (left > 0 && count > 0) {
      const items = take(Math.min(left, count, BATCH));
      left -= items.length;
      inBatch = items.length;
      try {
        await insertRequestLog(store, items.map(opts.toRow));
      } catch (err) {
        // Items pushed out of the ring while their batch failed are lost now.
        countDropped(items.length - inBatch);
        inBatch = 0;
        failures++;
        opts.onError?.(err);
        schedule(RETRY_MS[Math.min(failures - 1, RETRY_MS.length - 1)]!);
        throw err;
      }
      failures = 0;
      forget(inBatch);
      inBatch = 0;
      if (left > 0 && count > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Resolves once everything added before the call is written (or dropped); steady traffic cannot hold it. */
  async function flush(): Promise<void> {
    const target = added;
    while (settled < target) {
      writing ??= writeQueued().finally(() => {
        writing = undefined;
      });
      await writing;
    }
  }

  async function prune(): Promise<number> {
    return pruneRequestLog(store.db, new Date(opts.now() - opts.days * DAY_MS).toISOString());
  }

  const pruneTimer = setInterval(() => void prune().catch((err: unknown) => opts.onError?.(err)), PRUNE_EVERY_MS);
  pruneTimer.unref();
  void prune().catch((err: unknown) => opts.onError?.(err));

  return {
    add(item) {
      if (count === capacity) {
        forget(1);
        // The oldest item may belong to the batch being written: counted only if that write fails.
        if (inBatch > 0) inBatch--;
        else countDropped(1);
      }
      if (weigh !== undefined) {
        let w = weigh(item);
        if (w > 0 && weight + w > maxWeight && opts.lighten !== undefined) {
          item = opts.lighten(item);
          w = weigh(item);
        }
        weight += w;
      }
      ring[(head + count) % capacity] = item;
      count++;
      added++;
      if (count >= BATCH && writing === undefined && failures === 0) {
        if (soon) return;
        soon = true;
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        setImmediate(onTimer);
      } else schedule(flushMs);
    },
    flush,
    prune,
    stats: () => ({ queued: count, dropped, weight }),
    async close() {
      closed = true;
      clearInterval(pruneTimer);
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await flush().catch(() => undefined);
    },
    takeQueued() {
      // A batch being written stays: the store may still commit it.
      const rows: RequestLogInsert[] = [];
      for (let i = inBatch; i < count; i++) {
        const at = (head + i) % capacity;
        rows.push(opts.toRow(ring[at] as T));
        if (weigh !== undefined) weight -= weigh(ring[at] as T);
        ring[at] = undefined;
      }
      count -= rows.length;
      settled += rows.length;
      return rows;
    },
  };
}
