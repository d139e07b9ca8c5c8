/**
 * A lock a process holds for its whole life on a file: a SQLite file kept in exclusive locking
 * mode, whose lock the kernel drops when the process ends, however it ends (a killed process
 * leaves no stale lock behind).
 */
import SqliteDatabase from 'better-sqlite3';

/** Beside a SQLite store: held shared by every process serving it, exclusively by `store copy`. */
export const SERVE_LOCK = '.serve.lock';

/**
 * Takes the exclusive lock of `path` (created if missing) and keeps it until the handle closes
 * or the process ends. Throws SQLITE_BUSY when another process (or handle) holds it.
 */
export function takeLock(path: string): SqliteDatabase.Database {
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

/** True when `err` says another holder has the lock. */
export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** A shared hold on a lock file, and whether the process was the only holder when it took it. */
export interface SharedHold {
  readonly alone: boolean;
  close(): void;
}

/**
 * Holds a shared lock on `path` (a read transaction left open) until closed or the process
 * ends; any number of processes may hold it at once, and `takeLock` cannot be taken while one
 * does. `alone` says whether nobody else held it a moment before. Throws SQLITE_BUSY while
 * someone holds `takeLock` on the file.
 */
export function holdShared(path: string): SharedHold {
  const db = new SqliteDatabase(path, { timeout: 0 });
  try {
    db.pragma('journal_mode = MEMORY'); // nothing is ever written: no rollback journal file
    let alone = true;
    try {
      db.exec('BEGIN EXCLUSIVE; COMMIT');
    } catch (err) {
      if (!isBusy(err)) throw err;
      alone = false;
    }
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM sqlite_master').get(); // the shared lock, kept while the transaction is open
    return { alone, close: () => db.close() };
  } catch (err) {
    db.close();
    throw err;
  }
}
