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
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { z } from 'zod';
import type { UsageIncrement } from './usage.repo.js';

export interface SpoolEntry {
  readonly seq: number;
  readonly inc: UsageIncrement;
}

/** One segment: its mark id, its file, and the entries not yet applied (in sequence order). */
export interface Segment {
  readonly id: string;
  readonly path: string;
  entries: SpoolEntry[];
  /** Open for appends (own segments), or undefined until the first append / for adopted ones. */
  fd: number | undefined;
}

export interface SpoolFiles {
  readonly dir: string;
  /** A new, empty segment of this process (its file is created at the first append). */
  newSegment(): Segment;
  /** Appends entries to one of this process's segments; durable when it returns (throws when the write fails). */
  append(seg: Segment, entries: readonly SpoolEntry[]): void;
  /** Closes and deletes a segment's file. */
  remove(seg: Segment): void;
  /** The segments of processes that are gone, for this store; their locks are held until `release`. */
  adopt(): Segment[];
  /** Releases the locks of adopted spools whose segments are all removed. */
  releaseAdopted(): void;
  /** Releases this process's lock; removes the lock file when no segment of ours is left. */
  close(): void;
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

/** The store a segment belongs to and its entries (none when the file is gone or has no header). */
export function readSegment(path: string): { store: string | undefined; entries: SpoolEntry[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return { store: undefined, entries: [] };
    throw err;
  }
  const lines = text.split('\n');
  let store: string | undefined;
  try {
    store = Header.parse(JSON.parse(lines[0] ?? '')).store;
  } catch {
    return { store: undefined, entries: [] };
  }
  const entries: SpoolEntry[] = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    let parsed;
    try {
      parsed = Line.safeParse(JSON.parse(line));
    } catch {
      break;
    }
    if (!parsed.success) break;
    const [seq, keyId, day, requests, promptTokens, completionTokens, usedAt, cachedTokens = 0, reasoningTokens = 0] = parsed.data;
    entries.push({ seq, inc: { keyId, day, requests, promptTokens, completionTokens, cachedTokens, reasoningTokens, usedAt } });
  }
  entries.sort((a, b) => a.seq - b.seq);
  return { store, entries };
}

/**
 * Takes the exclusive lock of a lock file and keeps it until the handle closes or the process
 * ends. Throws SQLITE_BUSY when another process (or handle) holds it.
 */
function takeLock(path: string): SqliteDatabase.Database {
  const lock = new SqliteDatabase(path, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.pragma('journal_mode = MEMORY'); // nothing is ever written: no rollback journal file
    lock.exec('BEGIN EXCLUSIVE; COMMIT'); // in exclusive locking mode the lock outlives the transaction
    return lock;
  } catch (err) {
    lock.close();
    throw err;
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/**
 * Opens this process's spool in `dir` (created if missing) for the store `storeId`. `prefix`
 * keeps the spools of different stores sharing a folder apart by name (the header line keeps
 * them apart in any case).
 */
export function openSpoolFiles(dir: string, prefix: string, storeId: string): SpoolFiles {
  mkdirSync(dir, { recursive: true });
  const proc = randomUUID();
  const base = (p: string) => join(dir, `${prefix}spool-${p}`);
  const ownLock = takeLock(`${base(proc)}${LOCK}`);
  let n = 0;
  let ownFiles = 0;
  const adopted = new Map<string, { lock: SqliteDatabase.Database; segments: Set<string> }>();

  return {
    dir,
    newSegment() {
      n += 1;
      return { id: `${proc}-${n}`, path: `${base(proc)}-${n}${SEGMENT}`, entries: [], fd: undefined };
    },
    append(seg, entries) {
      if (seg.fd === undefined) {
        const fd = openSync(seg.path, 'a', 0o600);
        try {
          writeSync(fd, `${JSON.stringify({ store: storeId })}\n`);
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
          const { store, entries } = readSegment(path);
          if (store !== undefined && store !== storeId) continue; // another store's spool: not ours to replay
          segments.add(path);
          out.push({ id: `${other}-${file.slice(segPrefix.length, -SEGMENT.length)}`, path, entries, fd: undefined });
        }
        adopted.set(other, { lock, segments });
      }
      return out;
    },
    releaseAdopted() {
      for (const [other, a] of adopted) {
        if (a.segments.size > 0) continue;
        a.lock.close();
        // Another store's segments may remain under this process name: keep its lock file then.
        const left = readdirSync(dir).some((f) => f.startsWith(`${prefix}spool-${other}-`) && f.endsWith(SEGMENT));
        if (!left) rmSync(`${base(other)}${LOCK}`, { force: true });
        adopted.delete(other);
      }
    },
    close() {
      ownLock.close();
      if (ownFiles === 0) rmSync(`${base(proc)}${LOCK}`, { force: true });
      for (const a of adopted.values()) a.lock.close();
      adopted.clear();
    },
  };
}
