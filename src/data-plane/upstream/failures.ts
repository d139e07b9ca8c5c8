/**
 * Upstream failures → gateway errors, in one table (docs/data-plane.md). A connection that could not be made, or
 * that the backend reset before any response byte (a stale keep-alive socket, a restarting
 * backend), is retried once (upstream/call.ts), then 503 `Backend unavailable` / 502; a read
 * timeout (before the first byte, or between bytes) is 504 `Backend timeout` and never retried;
 * anything else is 502 `Backend request failed`.
 */
import { GatewayError } from '../../core/errors.js';
import { MSG } from '../../core/messages.js';
import { MAX_COOLDOWN_MS } from './replicas.js';

/** Error codes meaning "no connection was established" (nothing reached the backend). */
const CONNECT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'EADDRNOTAVAIL', 'ENETDOWN', 'EHOSTDOWN',
]);

/**
 * The peer's kernel refused our bytes: the socket was closed under us (typically an idle
 * keep-alive socket the backend had already dropped). A clean close after the request was read
 * ("other side closed") is not in this set: the backend may have started a generation.
 */
const RESET_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

const TIMEOUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export type FailureClass = 'connect' | 'reset' | 'timeout' | 'other';

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** What kind of upstream failure `err` is. */
export function classifyFailure(err: unknown): FailureClass {
  const code = codeOf(err);
  if (code === undefined) {
    // An AggregateError from a multi-address connect carries the codes of its parts.
    const errors = (err as { errors?: unknown } | null)?.errors;
    if (Array.isArray(errors) && errors.length > 0 && errors.every((e) => classifyFailure(e) === 'connect')) return 'connect';
    return 'other';
  }
  if (CONNECT_CODES.has(code)) return 'connect';
  if (RESET_CODES.has(code)) return 'reset';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  return 'other';
}

/** A failure before any response byte worth one more attempt: nothing was answered yet. */
export function retryableFailure(failure: FailureClass): boolean {
  return failure === 'connect' || failure === 'reset';
}

/** Attempts per call: the first and one retry. */
export const CONNECT_ATTEMPTS = 2;

/**
 * The client-facing error for a failure that ends the request. `503 Backend unavailable`
 * carries `Retry-After`: one health interval rounded up to a second (the probe's first answer
 * from a restarted replica puts it back in use), at most the longest cooldown (after which a
 * refused replica is tried again anyway).
 */
export function failureErrors(healthIntervalMs: number): (failure: FailureClass) => GatewayError {
  const retryAfter = String(Math.ceil(Math.min(Math.max(healthIntervalMs, 1000), MAX_COOLDOWN_MS) / 1000));
  return (failure) => {
    switch (failure) {
      case 'connect':
        return new GatewayError('upstream_unreachable', MSG.backendUnavailable, { 'retry-after': retryAfter });
      case 'timeout':
        return new GatewayError('upstream_timeout', MSG.backendTimeout);
      case 'reset':
      case 'other':
        return new GatewayError('upstream_error', MSG.backendRequestFailed);
    }
  };
}
