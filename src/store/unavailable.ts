/**
 * Which errors mean "the store cannot answer right now" (as opposed to a bug or a bad query):
 * a Postgres server that is down, restarting, refusing connections or has dropped ours, and a
 * SQLite file that another process holds locked or that cannot be read or written. Callers
 * answer those with 503 "Store unavailable" (and the usage writer spools), never 500.
 */

/** Postgres SQLSTATEs of a server that cannot serve us now (classes 08, 53, 57P, 3D, 28, 55000, 55P03). */
function pgUnavailable(code: string): boolean {
  return (
    code.startsWith('08') || // connection exception
    code.startsWith('53') || // insufficient resources (too many connections, disk full)
    code.startsWith('57P') || // admin shutdown, crash shutdown, cannot connect now, terminated
    code.startsWith('3D') || // database does not exist (dropped or renamed under us)
    code.startsWith('28') || // authentication failed
    code === '55000' || // "database … is not currently accepting connections"
    code === '55P03' || // lock_not_available: another session held a lock past the lock timeout
    code === '40001' || // serialization failure under failover
    code === '25006' // read-only transaction (a standby promoted or demoted)
  );
}

const SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
]);

/** Messages pg uses for connection-level failures that carry no code. */
const PG_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
  'Query read timeout',
];

export function isStoreUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_')) {
      return /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|PROTOCOL|NOTADB|CORRUPT)/.test(code);
    }
    if (SYSTEM_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && pgUnavailable(code)) return true;
  }
  const message = (err as { message?: unknown }).message;
  if (typeof message === 'string' && PG_MESSAGES.some((m) => message.includes(m))) return true;
  // AggregateError (a host name resolving to several addresses, all refused).
  const errors = (err as { errors?: unknown }).errors;
  return Array.isArray(errors) && errors.length > 0 && errors.every((e) => isStoreUnavailable(e));
}
