/**
 * The first stage: what a /v1 request is, decided from its method and path alone, before any
 * key lookup. A fragment (`#`), a `.`, `..` or empty segment, also percent-encoded, or a
 * malformed escape is 400 `Invalid path`; a declared body over MAX_BODY_BYTES is 413 without reading it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../core/errors.js';
import { MSG } from '../core/messages.js';
import type { Endpoint } from './context.js';
import { surfaceFor, type ErrorSurface } from './render-error.js';

export interface Route {
  /** Path without the query string, as received (not decoded). */
  readonly path: string;
  /**
   * Path and query as forwarded: as received, except that an endpoint the gateway recognises
   * loses a trailing slash (the engine would answer it with a redirect to the route, on the
   * engine's own address, past the gateway).
   */
  readonly target: string;
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

/**
 * vLLM's routes under /v1 that change the engine for everyone (with
 * VLLM_ALLOW_RUNTIME_LORA_UPDATING): an API key is for inference, so they are not forwarded.
 */
const ENGINE_ADMIN_PATHS: ReadonlySet<string> = new Set(['/v1/load_lora_adapter', '/v1/unload_lora_adapter']);

/** A `..` segment, between slashes or backslashes. */
const DOT_DOT = /(?:^|[/\\])\.\.(?:[/\\]|$)/;
/** A `.` or `..` segment, or an empty one inside the path (`//`; a trailing slash is fine). */
const ODD_SEGMENT = /(?:^|[/\\])\.{1,2}(?:[/\\]|$)|[/\\]{2}/;

/**
 * True when the path has a segment `pattern` matches, after percent-decoding too (twice more,
 * for double encoding), or a malformed escape.
 */
export function hasSegment(path: string, pattern: RegExp): boolean {
  let p = path.startsWith('/') ? path.slice(1) : path;
  for (let round = 0; round < 3; round++) {
    if (pattern.test(p)) return true;
    if (!p.includes('%')) return false;
    try {
      p = decodeURIComponent(p);
    } catch {
      return true; // malformed escapes: not a path we forward
    }
  }
  return pattern.test(p);
}

/**
 * True when the path has a `.`, `..` or empty segment, or a malformed escape. Such a path is no
 * endpoint to the gateway, but a server or proxy in front of the engine may resolve it into one
 * (`/v1/./chat/completions`, `/v1//chat/completions`), which would skip shaping and metering.
 */
export function hasOddSegment(path: string): boolean {
  return hasSegment(path, ODD_SEGMENT);
}

/** `url` with the last `/` (or `%2F`) of its path dropped, its query kept. */
function withoutTrailingSlash(path: string, url: string): string {
  return path.slice(0, path.endsWith('/') ? -1 : -3) + url.slice(path.length);
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
  // A fragment is never part of a request target: the engine's HTTP parser drops it and routes
  // `/v1/chat/completions#x` as a chat completion, which the gateway would not recognise.
  if (url.includes('#')) throw new GatewayError('invalid_request', MSG.invalidPath);
  const path = pathOf(url);
  const odd = hasOddSegment(path);
  // A `..` or a malformed escape is refused everywhere; so no decode below can throw.
  if (odd && hasSegment(path, DOT_DOT)) throw new GatewayError('invalid_request', MSG.invalidPath);
  const routed = path.includes('%') ? decodeURIComponent(path) : path;
  // A model's card is answered here, never forwarded, and a model id may be a path
  // (`/models/Qwen2.5-7B-Instruct`, vLLM's default id is its --model argument).
  const modelCard = method === 'GET' && routed.startsWith(MODEL_PATH) && routed.length > MODEL_PATH.length;
  if (odd && !modelCard) throw new GatewayError('invalid_request', MSG.invalidPath);
  // With a trailing slash too, which the engine redirects to the route.
  if (ENGINE_ADMIN_PATHS.has(routed.endsWith('/') ? routed.slice(0, -1) : routed)) throw new GatewayError('forbidden', MSG.engineAdminPath);
  let endpoint: Endpoint = 'other';
  let target = url;
  if (method === 'POST') {
    endpoint = POST_ENDPOINTS.get(routed) ?? 'other';
    if (endpoint === 'other' && routed.endsWith('/')) {
      endpoint = POST_ENDPOINTS.get(routed.slice(0, -1)) ?? 'other';
      if (endpoint !== 'other') target = withoutTrailingSlash(path, url);
    }
  } else if (method === 'GET' && (routed === '/v1/models' || routed === MODEL_PATH)) {
    endpoint = 'models';
    if (routed === MODEL_PATH) target = withoutTrailingSlash(path, url);
  }
  else if (modelCard) {
    return { path, target, endpoint: 'models', surface: surfaceFor(routed, anthropicClient), modelId: routed.slice(MODEL_PATH.length) };
  }
  // The Models API is Anthropic's too: a client that says it speaks Anthropic gets its errors so.
  return { path, target, endpoint, surface: surfaceFor(routed, endpoint === 'models' && anthropicClient) };
}

/** 413 when the declared Content-Length is over the limit (chunked bodies are checked while read). */
export function checkDeclaredLength(headers: IncomingHttpHeaders, maxBodyBytes: number): void {
  const declared = headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBodyBytes) {
    throw new GatewayError('payload_too_large', MSG.payloadTooLarge);
  }
}
