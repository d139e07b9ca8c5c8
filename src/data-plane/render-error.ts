/**
 * The one place a /v1 error becomes bytes: the Anthropic envelope on
 * `/v1/messages*`, the OpenAI envelope on every other /v1 path, always JSON, so the official
 * SDKs raise the right error class with our message. Bodies are built once per distinct
 * error and reused.
 */
import type { ServerResponse } from 'node:http';
import { GatewayError, isGatewayError, type GatewayErrorKind } from '../core/errors.js';
import type { JsonObject } from '../core/json.js';
import { MSG } from '../core/messages.js';

/** Which envelope a path's errors use. */
export type ErrorSurface = 'openai' | 'anthropic';

const below = (path: string, prefix: string): boolean =>
  path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/' || path[prefix.length] === '?');

/**
 * `/v1/messages` and below speak Anthropic; so does the Models API (`/v1/models` and below) to
 * a client that sends `anthropic-version` (`anthropicClient`); the rest of /v1 speaks OpenAI.
 */
export function surfaceFor(path: string, anthropicClient = false): ErrorSurface {
  return below(path, '/v1/messages') || (anthropicClient && below(path, '/v1/models')) ? 'anthropic' : 'openai';
}

/** `error.type` per kind and surface: names each SDK maps to its error classes. */
const TYPES: Readonly<Record<GatewayErrorKind, readonly [openai: string, anthropic: string]>> = {
  invalid_request: ['invalid_request_error', 'invalid_request_error'],
  unauthorized: ['authentication_error', 'authentication_error'],
  forbidden: ['permission_error', 'permission_error'],
  not_found: ['not_found_error', 'not_found_error'],
  conflict: ['conflict_error', 'conflict_error'],
  payload_too_large: ['invalid_request_error', 'request_too_large'],
  request_timeout: ['timeout_error', 'timeout_error'],
  rate_limited: ['rate_limit_error', 'rate_limit_error'],
  upstream_error: ['server_error', 'api_error'],
  upstream_auth: ['server_error', 'api_error'],
  upstream_unreachable: ['server_error', 'api_error'],
  upstream_timeout: ['timeout_error', 'timeout_error'],
  store_unavailable: ['server_error', 'api_error'],
  limiter_unavailable: ['server_error', 'api_error'],
  overloaded: ['server_error', 'overloaded_error'],
  internal: ['server_error', 'api_error'],
};

/**
 * Kinds the SDKs must not retry on their own (the SDKs retry 408, 409, 429 and 5xx): a timeout or a failure
 * after the request reached the backend may have started a long generation, and a blind
 * retry would run it again. 503 (nothing was sent) stays retryable.
 */
const NO_RETRY: ReadonlySet<GatewayErrorKind> = new Set<GatewayErrorKind>(['upstream_timeout', 'upstream_error', 'upstream_auth']);

/**
 * OpenAI names a quota error's type after its code (`insufficient_quota`); other codes keep their
 * kind's type (`context_length_exceeded` is an `invalid_request_error`).
 */
function openaiTypeOf(err: GatewayError, byKind: string): string {
  return err.kind === 'rate_limited' && err.code !== undefined ? err.code : byKind;
}

/** The JSON error body for `err` on `surface`. */
export function errorBody(err: GatewayError, surface: ErrorSurface): JsonObject {
  const [openaiType, anthropicType] = TYPES[err.kind];
  return surface === 'anthropic'
    ? { type: 'error', error: { type: anthropicType, message: err.message } }
    : { error: { message: err.message, type: openaiTypeOf(err, openaiType), code: err.code ?? err.status } };
}

export interface RenderedError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

const cache = new Map<string, RenderedError>();
const CACHE_LIMIT = 512;

/** Status, headers and body for `err` on `surface` (memoised: the same error renders once). */
export function renderError(err: GatewayError, surface: ErrorSurface): RenderedError {
  const id = `${surface}\u0000${err.kind}\u0000${err.code ?? ''}\u0000${err.message}`;
  const hit = err.headers === undefined ? cache.get(id) : undefined;
  if (hit !== undefined) return hit;
  const body = Buffer.from(JSON.stringify(errorBody(err, surface)));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(body.length),
    ...(NO_RETRY.has(err.kind) ? { 'x-should-retry': 'false' } : {}),
    ...err.headers,
  };
  const rendered = { status: err.status, headers, body };
  if (err.headers === undefined && cache.size < CACHE_LIMIT) cache.set(id, rendered);
  return rendered;
}

/** Any thrown value as a GatewayError (unknown failures are `internal`). */
export function asGatewayError(err: unknown): GatewayError {
  return isGatewayError(err) ? err : new GatewayError('internal', MSG.internal);
}

/** Writes the error response (with the request's id, when it has one), unless the response already started or the client left. */
export function sendError(res: ServerResponse, err: GatewayError, surface: ErrorSurface, requestId?: string): void {
  if (res.headersSent || res.destroyed) return;
  const r = renderError(err, surface);
  res.writeHead(r.status, requestId === undefined ? r.headers : { ...r.headers, [surface === 'anthropic' ? 'request-id' : 'x-request-id']: requestId });
  res.end(r.body);
}

/** The flat `{"error": "…"}` 404 for paths that are not /v1/ subpaths. */
export function sendNotFound(res: ServerResponse): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(404, { 'content-type': 'application/json', 'content-length': String(NOT_FOUND_BODY.length) });
  res.end(NOT_FOUND_BODY);
}

const NOT_FOUND_BODY = Buffer.from(JSON.stringify({ error: MSG.notFoundUseV1 }));
