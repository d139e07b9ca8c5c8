/** A failed health probe of a replica, in a few words an operator can act on. */

/** The system error code of an undici failure (on the error or its cause). */
export function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  return typeof e.cause?.code === 'string' ? e.cause.code : typeof e.code === 'string' ? e.code : undefined;
}

/** A probe failure in a few words: the system error code, else the message. */
export function problemOf(err: unknown): string {
  const code = codeOf(err);
  const e = err as { message?: unknown };
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'timed out';
  if (code === 'UND_ERR_SOCKET') return 'connection closed';
  return code ?? (typeof e.message === 'string' ? e.message : 'failed');
}

/** A probe that failed: `answered` when the replica sent a status (a 404 /metrics, say), `refused` when its connection was. */
export class ProbeFailure {
  constructor(readonly message: string, readonly answered: boolean, readonly refused = false) {}
}
