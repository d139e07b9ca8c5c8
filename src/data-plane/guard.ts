/**
 * The first stage: what a /v1 request is, decided from its method and path alone, before any
 * key lookup. A `..` segment, also percent-encoded, or a malformed escape is
 * 400 `Invalid path`; a declared body over MAX_BODY_BYTES is 413 without reading it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../core/errors.js';
import { MSG } from '../core/messages.js';
import type { Endpoint } from './context.js';
import { surfaceFor, type ErrorSurface } from './render-error.js';

export interface Route {
  /** Path without the query string, as received (not decoded). */
  readonly path: string;
  readonly endpoint: Endpoint;
  readonly surface: ErrorSurface;
  /** GET /v1/models/{id}: the model asked for (decoded; it may hold slashes). */
  readonly modelId?: string;
}

const MODEL_PATH = '/v1/models/';

/** POST endpoints whose bodies the gateway reads (shaping and/or usage). */
const POST_ENDPOINTS: ReadonlyMap<string, Endpoint> = new Map<string, Endpoint>([
  ['/v1/chat/completions', 'chat'],
  ['/v1/completions', 'completions'],
  ['/v1/responses', 'responses'],
  ['/v1/messages', 'messages'],
  ['/v1/messages/count_tokens', 'count_tokens'],
  ['/v1/embeddings', 'embeddings'],
]);

const SEGMENT_DOTDOT = /(?:^|[/\\])\.\.(?:[/\\]|$)/;

/** True when the path has a `..` segment after percent-decoding (twice, for double encoding). */
export function hasDotDotSegment(path: string): boolean {
  if (!path.includes('.') && !path.includes('%')) return false;
  let p = path;
  for (let round = 0; round < 3; round++) {
    if (SEGMENT_DOTDOT.test(p)) return true;
    if (!p.includes('%')) return false;
    try {
      p = decodeURIComponent(p);
    } catch {
      return true; // malformed escapes: not a path we forward
    }
  }
  return SEGMENT_DOTDOT.test(p);
}

/** `req.url` without its query string. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * Classifies the request; throws 400 `Invalid path`. `url` is `req.url` (path + query);
 * `anthropicClient`: the request carries `anthropic-version` (GET /v1/models answers as Anthropic's API). The
 * endpoint is read from the path as the backend routes it: vLLM's server decodes percent-escapes
 * once, so `/v1/chat%2Fcompletions` is a chat completion there and is shaped and metered as one
 * here (the bytes forwarded are still the client's).
 */
export function guard(method: string, url: string, anthropicClient = false): Route {
  const path = pathOf(url);
  if (hasDotDotSegment(path)) throw new GatewayError('invalid_request', MSG.invalidPath);
  // hasDotDotSegment refused every malformed escape, so this decode cannot throw.
  const routed = path.includes('%') ? decodeURIComponent(path) : path;
  let endpoint: Endpoint = 'other';
  if (method === 'POST') endpoint = POST_ENDPOINTS.get(routed) ?? 'other';
  else if (method === 'GET' && routed === '/v1/models') endpoint = 'models';
  else if (method === 'GET' && routed.startsWith(MODEL_PATH) && routed.length > MODEL_PATH.length) {
    return { path, endpoint: 'models', surface: surfaceFor(routed, anthropicClient), modelId: routed.slice(MODEL_PATH.length) };
  }
  // The Models API is Anthropic's too: a client that says it speaks Anthropic gets its errors so.
  return { path, endpoint, surface: surfaceFor(routed, endpoint === 'models' && anthropicClient) };
}

/** 413 when the declared Content-Length is over the limit (chunked bodies are checked while read). */
export function checkDeclaredLength(headers: IncomingHttpHeaders, maxBodyBytes: number): void {
  const declared = headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBodyBytes) {
    throw new GatewayError('payload_too_large', MSG.payloadTooLarge);
  }
}
