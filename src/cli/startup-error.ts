/**
 * Start-up failures as one line naming the cause: a store that cannot be opened (a wrong
 * DATABASE_URL, a server that is down, a file that cannot be created) or a port that cannot
 * be taken. No stack trace: these are configuration or environment problems, not bugs.
 */
import type { DatabaseConfig } from '../core/config.js';
import { PG_LOCK_TIMEOUT_MS } from '../store/db.js';

/** The line said when opening the store upgraded it: an operator should know the schema moved on. */
export function upgradedLine(target: string, applied: readonly string[]): string {
  return `worv-proxy: upgraded the store (${target}): applied ${applied.length} change(s): ${applied.join(', ')}. An older worv-proxy can no longer open it\n`;
}

/** The store as the operator named it, without a password. */
export function storeTarget(db: DatabaseConfig): string {
  if (db.kind === 'sqlite') return `SQLite ${db.path}`;
  try {
    const u = new URL(db.url);
    return `Postgres ${u.hostname}${u.port === '' ? '' : `:${u.port}`}${u.pathname}`;
  } catch {
    return 'Postgres';
  }
}

const CODES: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use (another process listens there)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a file, not a folder, is in its path',
  ENOENT: 'a folder in its path does not exist and cannot be made there',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EADDRNOTAVAIL: 'address not available on this machine',
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  SQLITE_CANTOPEN: 'unable to open the database file',
  SQLITE_NOTADB: 'the file is not a SQLite database',
  SQLITE_BUSY: 'the database file is locked by another process',
  SQLITE_READONLY: 'the database file is read-only',
  // Postgres lock_not_available: the store's lock timeout ended the wait.
  '55P03': `a table it needs is locked by another session (waited ${PG_LOCK_TIMEOUT_MS / 1000} s)`,
};

const notBuilt = (message: string): string =>
  /better[-_]sqlite3/.test(message)
    ? 'better-sqlite3 is not built (its native module is missing): run npm rebuild better-sqlite3'
    : 'a native module is not built (its compiled file is missing): run npm rebuild';

/**
 * A native module (better-sqlite3 in practice) could not be loaded, not built or built for
 * another Node.js, whatever used it first: the SQLite store, or on Postgres the usage spool's
 * lock file. Undefined for any other error.
 */
export function nativeLoadProblem(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined; typeof e === 'object' && e !== null; e = e.cause as typeof e) {
    const message = typeof e.message === 'string' ? e.message : '';
    if (e.code === 'ERR_DLOPEN_FAILED' || message.startsWith('Could not locate the bindings file')) return causeOf(e);
  }
  return undefined;
}

/** The innermost useful reason, on one line. */
export function causeOf(err: unknown): string {
  if (typeof err !== 'object' || err === null) return String(err);
  const e = err as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  // Several addresses tried (localhost as ::1 and 127.0.0.1): the first says it.
  if (Array.isArray(e.errors) && e.errors.length > 0) return causeOf(e.errors[0]);
  const code = typeof e.code === 'string' ? e.code : undefined;
  // A wrapper (the migration step's own error) names the failure its cause had.
  if (code === undefined && typeof e.cause === 'object' && e.cause !== null) return causeOf(e.cause);
  const message = typeof e.message === 'string' ? e.message.split('\n')[0]!.replace(/^database migration \S+ failed: /, '') : '';
  // node_modules installed under another Node.js: the loader's message spans several lines and
  // its first one names only the file.
  if (code === 'ERR_DLOPEN_FAILED' && typeof e.message === 'string' && e.message.includes('NODE_MODULE_VERSION')) {
    return /better[-_]sqlite3/.test(e.message)
      ? 'better-sqlite3 was built for another Node.js version: run npm rebuild better-sqlite3'
      : 'a native module was built for another Node.js version: run npm rebuild';
  }
  // better-sqlite3's loader found no compiled module at all (its build failed or never ran).
  if (message.startsWith('Could not locate the bindings file')) return notBuilt(String(e.message));
  const known = code !== undefined ? CODES[code] : undefined;
  if (known !== undefined) return known;
  if (message !== '') return message;
  if (e.cause !== undefined) return causeOf(e.cause);
  return code ?? 'unknown error';
}
