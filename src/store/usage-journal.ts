/**
 * SQLite only: the usage journal, a per-process append-only SQLite file beside the database.
 *
 * Why: a request alone in flight used to commit its usage in the main database before its
 * response ended: three b-tree pages, six fcntl lock calls and six pwrites, about 80 µs of the
 * gateway's core per request under single-connection load (profiles and an A/B in
 * docs/benchmark.md). An append to the journal is one row in a file this process holds with
 * an exclusive lock (no lock calls per commit, one page): as durable as a main-database commit
 * with `synchronous=NORMAL` (it survives a crash of the process), and a fraction of the cost.
 * Appended entries are folded into the main database's counters in the background, many per
 * transaction, and every reader in the gateway folds first.
 *
 * Exactly once: a fold applies the entries AND records the journal's highest folded sequence
 * number (`usage_journal_marks`) in ONE main-database transaction; entries at or below the
 * mark are never applied again, whatever crashes between the fold and the journal's cleanup.
 *
 * Crash recovery: a process's exclusive lock dies with it, so a journal that can be locked
 * belongs to a process that is gone. `recoverUsageJournals` (run at every gateway start)
 * folds such journals into the main database and deletes them; a live replica's journal
 * cannot be locked and is left alone.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sqliteUsageRecorder, type UsageIncrement } from './usage.repo.js';

export interface UsageJournal {
  readonly id: string;
  readonly path: string;
  /** Appends one increment; durable when it returns (throws when the write fails). */
  append(inc: UsageIncrement): void;
  /** Entries appended and not yet folded. */
  readonly unfolded: number;
  /** The unfolded entries' sums for one key, read from the journal file (what the counters do not show yet). */
  unfoldedUsage(keyId: string): { requests: number; promptTokens: number; completionTokens: number };
  /**
   * Folds every unfolded entry into the main database in one transaction, then drops them
   * from the journal. Synchronous; the caller holds the main connection (never inside another
   * caller's open transaction). On failure the entries stay and the error is thrown.
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

/** The journal files of a database live beside it: `<db>.usage-<id>.journal`. */
function journalPrefix(dbPath: string): string {
  return `${basename(dbPath)}.usage-`;
}

function openJournalFile(path: string, create: boolean): SqliteDatabase.Database {
  const j = new SqliteDatabase(path, { fileMustExist: !create, timeout: 0 });
  try {
    // Exclusive before the first WAL access: no shared-memory index, no lock calls per commit,
    // and the lock is held until the handle closes or the process dies.
    j.pragma('locking_mode = EXCLUSIVE');
    j.pragma('journal_mode = WAL');
    j.pragma('synchronous = NORMAL');
    // The first write takes the exclusive lock (and creates the table in a new journal).
    j.exec(`CREATE TABLE IF NOT EXISTS usage_entries (
      seq INTEGER PRIMARY KEY,
      key_id TEXT NOT NULL,
      day TEXT NOT NULL,
      requests INTEGER NOT NULL,
      prompt_tokens INTEGER NOT NULL,
      completion_tokens INTEGER NOT NULL,
      used_at TEXT NOT NULL
    )`);
    return j;
  } catch (err) {
    j.close();
    throw err;
  }
}

function removeJournalFiles(path: string): void {
  for (const p of [path, `${path}-wal`, `${path}-shm`]) rmSync(p, { force: true });
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
 * Applies `entries` (sequence order) above the journal's mark and moves the mark, in one
 * main-database transaction. Returns the new mark.
 */
function applyEntries(main: SqliteDatabase.Database, marks: Marks, journalId: string, entries: readonly Entry[]): number {
  const record = sqliteUsageRecorder(main);
  let mark = 0;
  main.transaction(() => {
    mark = marks.get(journalId);
    const fresh = entries.filter((e) => e.seq > mark).map((e) => e.inc);
    if (fresh.length === 0) return;
    record(fresh); // a nested transaction: a savepoint inside this one
    mark = entries[entries.length - 1]!.seq;
    marks.set(journalId, mark);
  })();
  return mark;
}

/** Opens this process's journal for the database at `dbPath`. */
export function openUsageJournal(main: SqliteDatabase.Database, dbPath: string): UsageJournal {
  const id = randomUUID();
  const path = join(dirname(dbPath), `${journalPrefix(dbPath)}${id}${SUFFIX}`);
  const j = openJournalFile(path, true);
  const insert = j.prepare('INSERT INTO usage_entries (seq, key_id, day, requests, prompt_tokens, completion_tokens, used_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const dropThrough = j.prepare('DELETE FROM usage_entries WHERE seq <= ?');
  const sumOf = j.prepare<[string, number], { requests: number | null; prompt: number | null; completion: number | null }>(
    'SELECT sum(requests) AS requests, sum(prompt_tokens) AS prompt, sum(completion_tokens) AS completion FROM usage_entries WHERE key_id = ? AND seq >= ?',
  );
  const marks = marksOf(main);
  // The unfolded entries, in sequence order, kept in memory so a fold never reads the file.
  let entries: Entry[] = [];
  // Sequence numbers are never reused (a rowid would restart once folded rows are deleted):
  // the mark in the main database relies on them only growing.
  let lastSeq = 0;
  let closed = false;

  const fold = (): void => {
    if (entries.length === 0) return;
    const mark = applyEntries(main, marks, id, entries);
    entries = [];
    // Cleanup may fail (the entries are folded and marked, so they are skipped next time).
    dropThrough.run(mark);
  };

  return {
    id,
    path,
    append(inc) {
      if (closed) throw new Error('usage journal is closed');
      const seq = lastSeq + 1;
      insert.run(seq, inc.keyId, inc.day, inc.requests, inc.promptTokens, inc.completionTokens, inc.usedAt);
      lastSeq = seq;
      entries.push({ seq, inc });
    },
    get unfolded() {
      return entries.length;
    },
    unfoldedUsage(keyId) {
      // From the file, not from memory: what a crash right now would leave to recover.
      const r = sumOf.get(keyId, entries.length === 0 ? Number.MAX_SAFE_INTEGER : entries[0]!.seq);
      return { requests: r?.requests ?? 0, promptTokens: r?.prompt ?? 0, completionTokens: r?.completion ?? 0 };
    },
    fold,
    close() {
      if (closed) return;
      fold();
      closed = true;
      j.close();
      removeJournalFiles(path);
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
 * Also drops marks whose journal no longer exists. Synchronous; call with the main connection
 * free (at start-up, before serving).
 */
export function recoverUsageJournals(main: SqliteDatabase.Database, dbPath: string): RecoveryReport {
  const dir = dirname(dbPath);
  const prefix = journalPrefix(dbPath);
  const marks = marksOf(main);
  let recovered = 0;
  let applied = 0;
  let live = 0;
  const names = readdirSync(dir).filter((n) => n.startsWith(prefix) && n.endsWith(SUFFIX));
  const present = new Set<string>();
  for (const name of names) {
    const journalId = name.slice(prefix.length, -SUFFIX.length);
    present.add(journalId);
    const path = join(dir, name);
    let j: SqliteDatabase.Database;
    try {
      j = openJournalFile(path, false);
    } catch (err) {
      if (isBusy(err)) {
        live++;
        continue;
      }
      throw err;
    }
    try {
      const rows = j
        .prepare<[], { seq: number; key_id: string; day: string; requests: number; prompt_tokens: number; completion_tokens: number; used_at: string }>(
          'SELECT seq, key_id, day, requests, prompt_tokens, completion_tokens, used_at FROM usage_entries ORDER BY seq',
        )
        .all();
      const before = marks.get(journalId);
      const entries: Entry[] = rows.map((r) => ({
        seq: r.seq,
        inc: { keyId: r.key_id, day: r.day, requests: r.requests, promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens, usedAt: r.used_at },
      }));
      applyEntries(main, marks, journalId, entries);
      applied += entries.filter((e) => e.seq > before).length;
    } finally {
      j.close();
    }
    // Files first, then the mark: a crash in between leaves a mark without a journal (dropped
    // below next time), never a journal without its mark (which would be applied twice).
    removeJournalFiles(path);
    marks.remove(journalId);
    present.delete(journalId);
    recovered++;
  }
  const orphans = main.prepare<[], { journal_id: string }>('SELECT journal_id FROM usage_journal_marks').all();
  // A journal's file exists from its opening until after its close removed the mark, so a
  // mark without a file is left from a crash between the two steps above.
  for (const { journal_id } of orphans) {
    if (!present.has(journal_id) && !existsSync(join(dir, `${prefix}${journal_id}${SUFFIX}`))) marks.remove(journal_id);
  }
  return { recovered, entries: applied, live };
}
