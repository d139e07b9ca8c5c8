/**
 * SQLite only: the usage journal, a per-process append-only file beside the database.
 *
 * Why: a request alone in flight used to commit its usage in the main database before its
 * response ended: three b-tree pages, six fcntl lock calls and six pwrites, the largest single
 * item of the gateway's own CPU per request under single-connection load (docs/benchmark.md).
 * An append to the journal is one `write()` of one line to a file only this process writes:
 * as durable as a main-database commit with `synchronous=NORMAL` (the data is in the kernel
 * when the call returns, so it survives a crash of the process; neither survives a power cut
 * before the OS writes it back), at a fraction of the cost. Appended entries are folded into
 * the main database's counters in the background, many per transaction, and every reader in
 * the gateway folds first. (A SQLite file as the journal, in exclusive mode, cost about four
 * times as much per append.)
 *
 * Exactly once: a fold applies the entries AND records the journal's highest folded sequence
 * number (`usage_journal_marks`) in ONE main-database transaction; entries at or below the
 * mark are never applied again, whatever crashes between the fold and the journal's cleanup.
 *
 * Crash recovery: each journal has a lock file, a SQLite file its process holds in exclusive
 * mode (the kernel drops the lock when the process dies, however it dies). A journal whose
 * lock can be taken belongs to a process that is gone: `recoverUsageJournals` (run at every
 * gateway start) folds it into the main database and deletes it. A live replica's journal
 * cannot be locked and is left alone.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { z } from 'zod';
import { sqliteUsageRecorder, type UsageIncrement } from './usage.repo.js';

export interface UsageJournal {
  readonly id: string;
  /** The journal file (one JSON line per entry). */
  readonly path: string;
  /** Appends one increment; durable when it returns (throws when the write fails). */
  append(inc: UsageIncrement): void;
  /** Entries appended and not yet folded. */
  readonly unfolded: number;
  /** The unfolded entries' sums for one key, read from the journal file (what the counters do not show yet). */
  unfoldedUsage(keyId: string): { requests: number; promptTokens: number; completionTokens: number };
  /**
   * Folds every unfolded entry into the main database in one transaction, then empties the
   * journal. Synchronous; the caller holds the main connection (never inside another caller's
   * open transaction). On failure the entries stay and the error is thrown.
   */
  fold(): void;
  /** Folds what is left, then closes and deletes the journal. */
  close(): void;
}

interface Entry {
  readonly seq: number;
  readonly inc: UsageIncrement;
}

const SUFFIX = '.journal';
const LOCK_SUFFIX = '.lock';

/** The journal files of a database live beside it: `<db>.usage-<id>.journal` and `.lock`. */
function journalPrefix(dbPath: string): string {
  return `${basename(dbPath)}.usage-`;
}

/**
 * Takes the exclusive lock of a journal's lock file and keeps it until the handle closes or
 * the process ends. Throws SQLITE_BUSY when another process (or handle) holds it.
 */
function takeLock(path: string): SqliteDatabase.Database {
  const lock = new SqliteDatabase(path, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.pragma('journal_mode = MEMORY'); // nothing is ever written: no rollback journal file
    // EXCLUSIVE takes the lock at once; in exclusive locking mode it outlives the transaction.
    lock.exec('BEGIN EXCLUSIVE; COMMIT');
    return lock;
  } catch (err) {
    lock.close();
    throw err;
  }
}

/** Removes a journal's lock file (its rollback journal is in memory: there is no other file). */
function removeLock(base: string): void {
  rmSync(`${base}${LOCK_SUFFIX}`, { force: true });
}

/** One journal line: [seq, keyId, day, requests, promptTokens, completionTokens, usedAt]. */
const JournalLine = z.tuple([z.number(), z.string(), z.string(), z.number(), z.number(), z.number(), z.string()]);

function lineOf(seq: number, inc: UsageIncrement): string {
  return `${JSON.stringify([seq, inc.keyId, inc.day, inc.requests, inc.promptTokens, inc.completionTokens, inc.usedAt])}\n`;
}

/**
 * The entries of a journal file, in order (none when the file is gone: its process closed it
 * cleanly). A line that does not parse (a write torn by a power cut, the only way one can be)
 * ends the journal.
 */
export function readJournal(path: string): Entry[] {
  const out: Entry[] = [];
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return out;
    throw err;
  }
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      break;
    }
    const parsed = JournalLine.safeParse(v);
    if (!parsed.success) break;
    const [seq, keyId, day, requests, promptTokens, completionTokens, usedAt] = parsed.data;
    out.push({ seq, inc: { keyId, day, requests, promptTokens, completionTokens, usedAt } });
  }
  return out;
}

interface Marks {
  get(id: string): number;
  set(id: string, seq: number): void;
  remove(id: string): void;
}

function marksOf(main: SqliteDatabase.Database): Marks {
  const get = main.prepare<[string], { folded_seq: number }>('SELECT folded_seq FROM usage_journal_marks WHERE journal_id = ?');
  const set = main.prepare(
    `INSERT INTO usage_journal_marks (journal_id, folded_seq) VALUES (?, ?)
     ON CONFLICT (journal_id) DO UPDATE SET folded_seq = max(folded_seq, excluded.folded_seq)`,
  );
  const remove = main.prepare('DELETE FROM usage_journal_marks WHERE journal_id = ?');
  return {
    get: (id) => get.get(id)?.folded_seq ?? 0,
    set: (id, seq) => void set.run(id, seq),
    remove: (id) => void remove.run(id),
  };
}

/**
 * Applies the entries (in sequence order) above the journal's mark and moves the mark, in one
 * main-database transaction. Returns how many were applied.
 */
function applyEntries(main: SqliteDatabase.Database, marks: Marks, journalId: string, entries: readonly Entry[]): number {
  const record = sqliteUsageRecorder(main);
  let applied = 0;
  main.transaction(() => {
    const mark = marks.get(journalId);
    const fresh = entries.filter((e) => e.seq > mark).map((e) => e.inc);
    if (fresh.length === 0) return;
    record(fresh); // a nested transaction: a savepoint inside this one
    marks.set(journalId, entries[entries.length - 1]!.seq);
    applied = fresh.length;
  })();
  return applied;
}

/** Opens this process's journal for the database at `dbPath`. */
export function openUsageJournal(main: SqliteDatabase.Database, dbPath: string): UsageJournal {
  const id = randomUUID();
  const base = join(dirname(dbPath), `${journalPrefix(dbPath)}${id}`);
  const path = `${base}${SUFFIX}`;
  // The lock first: a journal without a held lock would look abandoned to a starting replica.
  const lock = takeLock(`${base}${LOCK_SUFFIX}`);
  let fd: number;
  try {
    fd = openSync(path, 'a', 0o600);
  } catch (err) {
    lock.close();
    removeLock(base);
    throw err;
  }
  const marks = marksOf(main);
  // The unfolded entries, in sequence order, kept in memory so a fold never reads the file.
  let entries: Entry[] = [];
  // Sequence numbers only grow (the mark in the main database relies on it).
  let lastSeq = 0;
  let closed = false;

  const fold = (): void => {
    if (entries.length === 0) return;
    applyEntries(main, marks, id, entries);
    entries = [];
    // Everything is folded and marked: the file can start over (appends are O_APPEND). If
    // this fails the lines stay, and the mark keeps them from being applied again.
    ftruncateSync(fd);
  };

  return {
    id,
    path,
    append(inc) {
      if (closed) throw new Error('usage journal is closed');
      const seq = lastSeq + 1;
      writeSync(fd, lineOf(seq, inc));
      lastSeq = seq;
      entries.push({ seq, inc });
    },
    get unfolded() {
      return entries.length;
    },
    unfoldedUsage(keyId) {
      // From the file, not from memory: what a crash right now would leave to recover.
      const first = entries.length === 0 ? Number.MAX_SAFE_INTEGER : entries[0]!.seq;
      const sum = { requests: 0, promptTokens: 0, completionTokens: 0 };
      for (const { seq, inc } of readJournal(path)) {
        if (seq < first || inc.keyId !== keyId) continue;
        sum.requests += inc.requests;
        sum.promptTokens += inc.promptTokens;
        sum.completionTokens += inc.completionTokens;
      }
      return sum;
    },
    fold,
    close() {
      if (closed) return;
      fold();
      closed = true;
      closeSync(fd);
      rmSync(path, { force: true });
      lock.close();
      removeLock(base);
      marks.remove(id);
    },
  };
}

export interface RecoveryReport {
  /** Journals of processes that are gone, folded and deleted. */
  readonly recovered: number;
  /** Entries applied from them (entries already folded before the crash are not counted). */
  readonly entries: number;
  /** Journals held by a live process (another replica), left alone. */
  readonly live: number;
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/**
 * Folds the journals of processes that are gone into the main database and deletes them.
 * Also drops marks left without a journal. Synchronous; call with the main connection free
 * (at start-up, before serving).
 */
export function recoverUsageJournals(main: SqliteDatabase.Database, dbPath: string): RecoveryReport {
  const dir = dirname(dbPath);
  const prefix = journalPrefix(dbPath);
  const marks = marksOf(main);
  let recovered = 0;
  let applied = 0;
  let live = 0;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix) || !name.endsWith(SUFFIX)) continue;
    const journalId = name.slice(prefix.length, -SUFFIX.length);
    const base = join(dir, `${prefix}${journalId}`);
    let lock: SqliteDatabase.Database;
    try {
      lock = takeLock(`${base}${LOCK_SUFFIX}`);
    } catch (err) {
      if (isBusy(err)) {
        live++;
        continue;
      }
      throw err;
    }
    try {
      applied += applyEntries(main, marks, journalId, readJournal(`${base}${SUFFIX}`));
      // The journal first, then the mark: a crash in between leaves a mark without a journal
      // (dropped below next time), never a journal without its mark (applied twice).
      rmSync(`${base}${SUFFIX}`, { force: true });
      marks.remove(journalId);
    } finally {
      lock.close();
    }
    removeLock(base);
    recovered++;
  }
  // A journal's file exists from its opening until after its close removed the mark, so a
  // mark without a file is left from a crash between the two steps above.
  for (const { journal_id } of main.prepare<[], { journal_id: string }>('SELECT journal_id FROM usage_journal_marks').all()) {
    if (!existsSync(join(dir, `${prefix}${journal_id}${SUFFIX}`))) marks.remove(journal_id);
  }
  return { recovered, entries: applied, live };
}
