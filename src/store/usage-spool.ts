/**
 * The usage spool's files: where an increment goes when the store cannot take it in time, so
 * the response can complete. Each gateway process writes segments of its own in the spool
 * folder, `<prefix>spool-<process>-<n>.jsonl` (a header line naming the store, then one JSON
 * line per increment with its sequence number), and holds `<prefix>spool-<process>.lock`
 * for its whole life: a SQLite file it keeps in exclusive mode, whose lock the kernel drops
 * when the process dies, however it dies. A spool whose lock can be taken belongs to a process
 * that is gone; a starting gateway adopts it and replays it.
 *
 * An append is one `write()` of the lines on a file only this process writes: durable against
 * the process crashing or being killed once the call returns (the data is in the kernel), like
 * a SQLite commit with `synchronous=NORMAL`; neither survives a power cut before the OS writes
 * the page back. A line that does not parse (torn by a power cut) ends its segment.
 */
import { makeFolders } from './make-folders.js';
import { isBusy, takeLock } from './process-lock.js';
import { randomUUID } from 'node:crypto';
import { accessSync, closeSync, constants, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { z } from 'zod';
import type { UsageIncrement } from './usage.repo.js';

export interface SpoolEntry {
  readonly seq: number;
  readonly inc: UsageIncrement;
}

/**
 * One segment: its mark id, its file, and where its entries not yet applied start. Only
 * counts are kept in memory: the file is the copy of the entries, read back a chunk at a time
 * when they are replayed, so memory stays bounded however long the store is away.
 */
export interface Segment {
  readonly id: string;
  readonly path: string;
  /** Entries in the file from `offset` on, not yet known to be applied. */
  pending: number;
  /** Byte offset of the first entry not yet applied (after the header line once it exists). */
  offset: number;
  /** Epoch ms of the oldest entry not yet applied (undefined when none or not yet read). */
  firstAt: number | undefined;
  /** Open for appends (own segments), or undefined until the first append / for adopted ones. */
  fd: number | undefined;
}

/** Entries read from a segment file, each with the byte offset just past its line. */
export interface SpoolRead {
  readonly entries: SpoolEntry[];
  readonly ends: number[];
}

export interface SpoolFiles {
  readonly dir: string;
  /** A new, empty segment of this process (its file is created at the first append). */
  newSegment(): Segment;
  /** Appends entries to one of this process's segments; durable when it returns (throws when the write fails). */
  append(seg: Segment, entries: readonly SpoolEntry[]): void;
  /** Closes and deletes a segment's file. */
  remove(seg: Segment): void;
  /**
   * The segments of processes that are gone, for this store (their entries not yet counted;
   * offset -1: no usable header); their locks are held until `release`.
   */
  adopt(): Segment[];
  /** Releases the locks of adopted spools whose segments are all removed. */
  releaseAdopted(): void;
  /** Releases this process's lock; removes the lock file when no segment of ours is left. */
  close(): void;
}

/** The spool folder cannot be created or written (`cause` says why): the gateway cannot start. */
export class SpoolFolderError extends Error {
  constructor(
    readonly dir: string,
    cause: unknown,
  ) {
    super(`the usage spool folder ${dir} cannot be written`, { cause });
  }
}

const LOCK = '.lock';
const SEGMENT = '.jsonl';
const Header = z.object({ store: z.string() });
/**
 * One line: [seq, keyId, day, requests, promptTokens, completionTokens, usedAt, cachedTokens,
 * reasoningTokens] (the last two may be absent: 0).
 */
const Line = z.tuple([z.number(), z.string(), z.string(), z.number(), z.number(), z.number(), z.string()], z.number());

function lineOf(e: SpoolEntry): string {
  const i = e.inc;
  return `${JSON.stringify([e.seq, i.keyId, i.day, i.requests, i.promptTokens, i.completionTokens, i.usedAt, i.cachedTokens ?? 0, i.reasoningTokens ?? 0])}\n`;
}

/** Bytes read per call: far more than one chunk of lines (about 150 bytes each). */
const READ_BYTES = 1 << 20;

function parseLine(line: string): SpoolEntry | undefined {
  let parsed;
  try {
    parsed = Line.safeParse(JSON.parse(line));
  } catch {
    return undefined;
  }
  if (!parsed.success) return undefined;
  const [seq, keyId, day, requests, promptTokens, completionTokens, usedAt, cachedTokens = 0, reasoningTokens = 0] = parsed.data;
  return { seq, inc: { keyId, day, requests, promptTokens, completionTokens, cachedTokens, reasoningTokens, usedAt } };
}

/**
 * Up to `max` entries of a segment file from byte `offset` (none when the file is gone). A line
 * that does not parse, or a last line without its newline (torn by a power cut), ends the
 * segment. Lines are in sequence order: each process appends its numbered batches in order.
 */
export function readEntries(path: string, offset: number, max: number): SpoolRead {
  const out: SpoolRead = { entries: [], ends: [] };
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return out;
    throw err;
  }
  try {
    const buf = Buffer.allocUnsafe(READ_BYTES);
    const n = readSync(fd, buf, 0, READ_BYTES, offset);
    let start = 0;
    while (out.entries.length < max) {
      const nl = buf.indexOf(10, start);
      if (nl < 0 || nl >= n) break;
      const e = parseLine(buf.toString('utf8', start, nl));
      if (e === undefined) break;
      start = nl + 1;
      out.entries.push(e);
      out.ends.push(offset + start);
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** The store a segment belongs to and where its entries start (no store: no usable header). */
function readHeader(path: string): { store: string | undefined; offset: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return { store: undefined, offset: 0 };
    throw err;
  }
  try {
    const buf = Buffer.allocUnsafe(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const nl = buf.indexOf(10);
    if (nl < 0 || nl >= n) return { store: undefined, offset: 0 };
    return { store: Header.parse(JSON.parse(buf.toString('utf8', 0, nl))).store, offset: nl + 1 };
  } catch {
    return { store: undefined, offset: 0 };
  } finally {
    closeSync(fd);
  }
}

/** A whole segment file: its store and every entry (for inspection; the replay reads in chunks). */
export function readSegment(path: string): { store: string | undefined; entries: SpoolEntry[] } {
  const { store, offset } = readHeader(path);
  const entries: SpoolEntry[] = [];
  if (store === undefined) return { store, entries };
  for (let at = offset; ; ) {
    const r = readEntries(path, at, 10_000);
    if (r.entries.length === 0) return { store, entries };
    entries.push(...r.entries);
    at = r.ends[r.ends.length - 1]!;
  }
}

/**
 * Opens this process's spool in `dir` (created if missing) for the store `storeId`. `prefix`
 * keeps the spools of different stores sharing a folder apart by name (the header line keeps
 * them apart in any case).
 */
export function openSpoolFiles(dir: string, prefix: string, storeId: string): SpoolFiles {
  const proc = randomUUID();
  const base = (p: string) => join(dir, `${prefix}spool-${p}`);
  let ownLock: SqliteDatabase.Database;
  try {
    // A folder made here is the gateway's alone: the spool holds key ids and their usage.
    makeFolders(dir, 0o700);
    // Checked up front: the lock file's open would fail with SQLite's vaguer "unable to open".
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
    ownLock = takeLock(`${base(proc)}${LOCK}`);
  } catch (err) {
    throw new SpoolFolderError(dir, err);
  }
  let n = 0;
  let ownFiles = 0;
  const adopted = new Map<string, { lock: SqliteDatabase.Database; segments: Set<string> }>();

  /** Releases the locks of adopted spools whose segments are all removed, and their lock files. */
  function releaseAdopted(): void {
    for (const [other, a] of adopted) {
      if (a.segments.size > 0) continue;
      a.lock.close();
      // Another store's segments may remain under this process name: keep its lock file then.
      const left = readdirSync(dir).some((f) => f.startsWith(`${prefix}spool-${other}-`) && f.endsWith(SEGMENT));
      if (!left) rmSync(`${base(other)}${LOCK}`, { force: true });
      adopted.delete(other);
    }
  }

  return {
    dir,
    newSegment() {
      n += 1;
      return { id: `${proc}-${n}`, path: `${base(proc)}-${n}${SEGMENT}`, pending: 0, offset: 0, firstAt: undefined, fd: undefined };
    },
    append(seg, entries) {
      if (seg.fd === undefined) {
        const fd = openSync(seg.path, 'a', 0o600);
        try {
          seg.offset = writeSync(fd, `${JSON.stringify({ store: storeId })}\n`);
        } catch (err) {
          closeSync(fd);
          rmSync(seg.path, { force: true });
          throw err;
        }
        seg.fd = fd;
        ownFiles++;
      }
      writeSync(seg.fd, entries.length === 1 ? lineOf(entries[0]!) : entries.map(lineOf).join(''));
    },
    remove(seg) {
      if (seg.fd !== undefined) {
        closeSync(seg.fd);
        seg.fd = undefined;
        ownFiles--;
      }
      rmSync(seg.path, { force: true });
      for (const a of adopted.values()) a.segments.delete(seg.path);
    },
    adopt() {
      const out: Segment[] = [];
      const lockPrefix = `${prefix}spool-`;
      for (const name of readdirSync(dir)) {
        if (!name.startsWith(lockPrefix) || !name.endsWith(LOCK)) continue;
        const other = name.slice(lockPrefix.length, -LOCK.length);
        if (other === proc || adopted.has(other)) continue;
        let lock: SqliteDatabase.Database;
        try {
          lock = takeLock(join(dir, name));
        } catch (err) {
          if (isBusy(err)) continue; // a live process's spool
          throw err;
        }
        const segments = new Set<string>();
        const segPrefix = `${lockPrefix}${other}-`;
        for (const file of readdirSync(dir)) {
          if (!file.startsWith(segPrefix) || !file.endsWith(SEGMENT)) continue;
          const path = join(dir, file);
          const { store, offset } = readHeader(path);
          if (store !== undefined && store !== storeId) continue; // another store's spool: not ours to replay
          segments.add(path);
          // No header: nothing to replay (pending stays 0); the replay removes the file.
          const id = `${other}-${file.slice(segPrefix.length, -SEGMENT.length)}`;
          out.push({ id, path, pending: 0, offset: store === undefined ? -1 : offset, firstAt: undefined, fd: undefined });
        }
        adopted.set(other, { lock, segments });
      }
      // A process killed before it spooled anything left only its lock file: removed now, so a
      // gateway that is killed and restarted again and again does not pile them up.
      releaseAdopted();
      return out;
    },
    releaseAdopted,
    close() {
      ownLock.close();
      if (ownFiles === 0) rmSync(`${base(proc)}${LOCK}`, { force: true });
      for (const a of adopted.values()) a.lock.close();
      adopted.clear();
    },
  };
}
