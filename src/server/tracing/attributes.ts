/**
 * A /v1 request's outcome as span name and attributes, after the OpenTelemetry GenAI and HTTP
 * semantic conventions (docs/observability.md lists them). Pure: no OpenTelemetry import, so
 * it is tested without the SDK.
 */
import { CLIENT_CLOSED_REQUEST, type Endpoint, type RequestOutcome, type TraceDetails } from '../../data-plane/context.js';

export type SpanAttributes = Record<string, string | number>;

/** gen_ai.operation.name per endpoint; the Responses API and Anthropic messages are chats. */
const OPERATION: Readonly<Partial<Record<Endpoint, string>>> = Object.freeze({
  chat: 'chat',
  messages: 'chat',
  responses: 'chat',
  completions: 'text_completion',
  embeddings: 'embeddings',
});

/** http.route of each endpoint the gateway knows (`other` has none: its path is the client's). */
const ROUTE: Readonly<Partial<Record<Endpoint, string>>> = Object.freeze({
  chat: '/v1/chat/completions',
  completions: '/v1/completions',
  responses: '/v1/responses',
  messages: '/v1/messages',
  count_tokens: '/v1/messages/count_tokens',
  embeddings: '/v1/embeddings',
  models: '/v1/models',
});

function decoded(path: string): string {
  try {
    return path.includes('%') ? decodeURIComponent(path) : path;
  } catch {
    return path;
  }
}

/** The low-cardinality route of a request, undefined for a path the gateway forwards unread. */
function httpRoute(o: RequestOutcome): string | undefined {
  // Read as the gateway routed it, escapes decoded (`/v1/%6Dodels` is the list): one model has more.
  if (o.endpoint === 'models' && decoded(o.path).length > '/v1/models'.length) return '/v1/models/{model}';
  return ROUTE[o.endpoint];
}

/** Longest `url.path` kept (a path is the client's to make as long as the header limit allows). */
const PATH_CHARS = 512;

/** A backend replica's origin as server.address and server.port. */
export interface ServerAddress {
  readonly address: string;
  readonly port: number;
}

export function serverAddress(origin: string): ServerAddress | undefined {
  try {
    const u = new URL(origin);
    const port = u.port !== '' ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    return { address: u.hostname.replace(/^\[|\]$/g, ''), port };
  } catch {
    return undefined;
  }
}

/**
 * `{operation} {model}` for GenAI operations, else `{method} {route}`, or the method alone for a
 * path the gateway does not know (its `url.path` says which: a path never names a span).
 */
export function spanName(o: RequestOutcome): string {
  const op = OPERATION[o.endpoint];
  if (op !== undefined) return o.model === undefined ? op : `${op} ${o.model}`;
  const route = httpRoute(o);
  return route === undefined ? o.method : `${o.method} ${route}`;
}

/**
 * error.type: the gateway's own error kind (e.g. upstream_unreachable) or the backend's 5xx
 * status; a 4xx is the caller's error and not a failure of the server span.
 */
export function errorType(o: RequestOutcome): string | undefined {
  if (o.result === 'upstream-error') return o.error ?? (o.status >= 500 ? String(o.status) : 'upstream_error');
  if (o.status >= 500) return o.error ?? String(o.status);
  return undefined;
}

export function spanAttributes(o: RequestOutcome, d: TraceDetails, server: ServerAddress | undefined): SpanAttributes {
  const a: SpanAttributes = { 'http.request.method': o.method, 'url.path': o.path.slice(0, PATH_CHARS), 'worv_proxy.request_id': o.requestId, 'worv_proxy.result': o.result };
  const route = httpRoute(o);
  if (route !== undefined) a['http.route'] = route;
  const op = OPERATION[o.endpoint];
  if (op !== undefined) a['gen_ai.operation.name'] = op;
  // A request refused before it was forwarded still names the model it asked for.
  const model = o.model ?? o.requestedModel;
  if (model !== undefined) a['gen_ai.request.model'] = model;
  if (d.responseModel !== undefined) a['gen_ai.response.model'] = d.responseModel;
  if (d.maxTokens !== undefined) a['gen_ai.request.max_tokens'] = d.maxTokens;
  if (o.usage !== undefined) {
    a['gen_ai.usage.input_tokens'] = o.usage.promptTokens;
    a['gen_ai.usage.output_tokens'] = o.usage.completionTokens;
  }
  if (server !== undefined) {
    a['server.address'] = server.address;
    a['server.port'] = server.port;
  }
  // A client that left before any status got none: its 499 is for logs and metrics only.
  if (o.status > 0 && o.status !== CLIENT_CLOSED_REQUEST) a['http.response.status_code'] = o.status;
  const err = errorType(o);
  if (err !== undefined) a['error.type'] = err;
  // The key it authenticated with, also when the gateway refused it (a limit, a model outside its scope).
  const keyId = o.keyId ?? o.caller?.id;
  if (keyId !== undefined) a['worv_proxy.key_id'] = keyId;
  return a;
}
