/**
 * The one error type of the gateway. Code anywhere throws `GatewayError(kind, message)`;
 * each surface (/v1 OpenAI, /v1/messages Anthropic, /api) renders it once, in its dialect.
 */
import type { LimitName } from './limits.js';

/** Every failure the gateway can report, independent of wire dialect. */
export type GatewayErrorKind =
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'request_timeout'
  | 'rate_limited'
  | 'upstream_unreachable'
  | 'upstream_timeout'
  | 'upstream_error'
  | 'upstream_auth'
  | 'store_unavailable'
  | 'limiter_unavailable'
  | 'overloaded'
  | 'internal';

/** HTTP status per kind (docs/data-plane.md). */
export const STATUS_BY_KIND: Readonly<Record<GatewayErrorKind, number>> = Object.freeze({
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  request_timeout: 408,
  rate_limited: 429,
  upstream_error: 502,
  upstream_auth: 502,
  upstream_unreachable: 503,
  upstream_timeout: 504,
  store_unavailable: 503,
  limiter_unavailable: 503,
  overloaded: 503,
  internal: 500,
});

/** A failure with a kind (which fixes the status) and the exact client-facing message. */
export class GatewayError extends Error {
  readonly kind: GatewayErrorKind;
  readonly status: number;
  /** Extra response headers, e.g. `retry-after` for rate limits. */
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** OpenAI's machine-readable `error.code` (and `error.type`), e.g. `insufficient_quota`. */
  readonly code: string | undefined;
  /** The per-key limit that refused a `rate_limited` request (metrics count refusals by it). */
  readonly limit: LimitName | undefined;

  constructor(kind: GatewayErrorKind, message: string, headers?: Record<string, string>, code?: string, limit?: LimitName) {
    super(message);
    this.code = code;
    this.limit = limit;
    this.name = 'GatewayError';
    this.kind = kind;
    this.status = STATUS_BY_KIND[kind];
    this.headers = headers;
  }
}

/** Narrowing helper for catch blocks and error hooks. */
export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}
