// Routes one request: connection-level faults first, then vLLM's --api-key middleware
// (/v1 paths only), then the endpoint; errors thrown by endpoints are rendered in the
// dialect of the path (Anthropic envelope under /v1/messages, OpenAI envelope elsewhere).

import { SimHttpError, UNAUTHORIZED_BODY, anthropicErrorBody, errorTypeFor, openaiErrorBody } from './errors.js';
import type { Exchange } from './exchange.js';
import { handleChat } from './endpoints/chat.js';
import { handleCompletions } from './endpoints/completions.js';
import { handleEmbeddings } from './endpoints/embeddings.js';
import {
  handleHealth, handleLoad, handleMetrics, handleModels, handleTokenize, handleVersion, isJsonObject,
} from './endpoints/info.js';
import { handleCountTokens, handleMessages } from './endpoints/messages.js';
import { handleResponses } from './endpoints/responses.js';
import type { Json } from './request-facts.js';

type PostHandler = (x: Exchange, body: Json) => void;

const POST_ROUTES: Record<string, PostHandler> = {
  '/v1/chat/completions': handleChat,
  '/v1/completions': handleCompletions,
  '/v1/responses': handleResponses,
  '/v1/embeddings': handleEmbeddings,
  '/v1/messages': handleMessages,
  '/v1/messages/count_tokens': handleCountTokens,
  '/tokenize': handleTokenize,
};

const GET_ROUTES: Record<string, (x: Exchange) => void> = {
  '/v1/models': handleModels,
  '/health': handleHealth,
  '/ping': handleHealth,
  '/version': handleVersion,
  '/load': handleLoad,
  '/metrics': handleMetrics,
};

/** True for the routes that generate (counted as running in /metrics). */
export function isGenerating(method: string, path: string): boolean {
  return method === 'POST' && path.startsWith('/v1/') && path !== '/v1/messages/count_tokens';
}

/** The error body for `status` in the dialect of `path`. */
export function errorBodyFor(path: string, status: number, message: string, param: string | null = null, type?: string): string {
  return path.startsWith('/v1/messages')
    ? anthropicErrorBody(type ?? errorTypeFor(status), message)
    : openaiErrorBody(status, message, param, type);
}

/** `Authorization: Bearer <key>` (scheme case-insensitive), as vLLM's middleware checks it. */
function authorised(x: Exchange, key: string): boolean {
  const h = x.req.headers.authorization;
  if (h === undefined) return false;
  const m = /^bearer\s+(.+)$/i.exec(h.trim());
  return m !== null && m[1] === key;
}

function isJsonContentType(x: Exchange): boolean {
  const ct = x.req.headers['content-type'] ?? '';
  return ct.split(';', 1)[0]?.trim().toLowerCase() === 'application/json';
}

function dispatch(x: Exchange): void {
  const { method, path } = x.record;
  const key = x.sim.options.apiKey;
  if (key !== undefined && method !== 'OPTIONS' && path.startsWith('/v1') && !authorised(x, key)) {
    x.send(401, UNAUTHORIZED_BODY);
    return;
  }
  const get = GET_ROUTES[path];
  const post = POST_ROUTES[path];
  if (get === undefined && post === undefined) {
    x.send(404, '{"detail":"Not Found"}');
    return;
  }
  if (method === 'GET' && get !== undefined) {
    get(x);
    return;
  }
  if (method === 'POST' && post !== undefined) {
    if (!isJsonContentType(x)) {
      throw new SimHttpError(400, "Unsupported Media Type: Only 'application/json' is allowed", null, 'Bad Request', true);
    }
    if (x.record.rawBody.length === 0 || x.record.body === undefined) {
      throw new SimHttpError(400, 'JSON decode error', null, 'Bad Request', true);
    }
    if (!isJsonObject(x.record.body)) throw new SimHttpError(400, 'Input should be a valid dictionary or object', null, 'Bad Request', true);
    post(x, x.record.body);
    return;
  }
  if (path === '/ping' && method === 'POST') {
    handleHealth(x);
    return;
  }
  x.send(405, '{"detail":"Method Not Allowed"}');
}

/** Applies connection-level faults, then routes; renders thrown SimHttpErrors. */
export function route(x: Exchange): void {
  const fault = x.fault;
  if (fault?.kind === 'drop') {
    x.reset();
    return;
  }
  if (fault?.kind === 'status') {
    x.send(fault.status, errorBodyFor(x.record.path, fault.status, fault.message ?? `Simulated ${fault.status} error`));
    return;
  }
  if (fault?.kind === 'stall-headers') {
    if (fault.ms !== undefined) x.after(fault.ms, () => safeDispatch(x));
    return;
  }
  safeDispatch(x);
}

function safeDispatch(x: Exchange): void {
  try {
    dispatch(x);
  } catch (e) {
    if (e instanceof SimHttpError) {
      const body = e.forceOpenAi
        ? openaiErrorBody(e.status, e.message, e.param, e.type)
        : errorBodyFor(x.record.path, e.status, e.message, e.param, e.type);
      x.send(e.status, body);
      return;
    }
    x.send(500, errorBodyFor(x.record.path, 500, e instanceof Error ? e.message : String(e)));
  }
}
