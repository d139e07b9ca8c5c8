/**
 * The request log (docs/admin-api.md): `GET /api/requests` lists /v1 requests newest first with
 * filters and keyset pagination; `GET /api/requests/:id` returns one, with its bodies when
 * PROXY_LOG_BODIES=on stored them. Queued rows are written first, so a request that has
 * ended is listed.
 */
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../core/errors.js';
import { MSG } from '../core/messages.js';
import {
  REQUESTS_LIMIT_DEFAULT,
  ROUTES,
  RequestsQuery,
  requestsCursor,
  type RouteReason,
  type RequestLogDetail,
  type RequestLogEntry,
  type RequestsResponse,
} from '../shared/api-contract.js';
import { getRequestLog, listRequestLog, type RequestLogSummary } from '../store/request-log.repo.js';
import type { RequestLogRow } from '../store/schema.js';
import type { RouteDeps } from './deps.js';
import { parseOr400 } from './parse.js';

const KNOWN_ROUTES: ReadonlySet<string> = new Set(ROUTES);

/** The stored route, as the contract names it (null for anything else). */
function routeOf(stored: string | null): RouteReason | null {
  return stored !== null && KNOWN_ROUTES.has(stored) ? (stored as RouteReason) : null;
}

function entry(r: RequestLogSummary): RequestLogEntry {
  return {
    id: r.id,
    time: r.time,
    key_id: r.key_id,
    key_name: r.key_name,
    model: r.model,
    served_model: r.served_model,
    endpoint: r.endpoint,
    method: r.method,
    path: r.path,
    stream: r.stream === 1,
    status: r.status,
    result: r.result,
    error: r.error,
    error_message: r.error_message,
    prompt_tokens: r.prompt_tokens,
    completion_tokens: r.completion_tokens,
    cached_tokens: r.cached_tokens,
    reasoning_tokens: r.reasoning_tokens,
    usage_estimated: r.usage_estimated === 1,
    ttft_ms: r.ttft_ms,
    queued_ms: r.queued_ms,
    duration_ms: r.duration_ms,
    backend: r.backend,
    route: routeOf(r.route),
    client_ip: r.client_ip,
    user_agent: r.user_agent,
    session_id: r.session_id,
    capped: r.capped,
    aliased: r.aliased === 1,
    thinking: r.thinking,
    request_id: r.request_id,
  };
}

function detail(r: RequestLogRow): RequestLogDetail {
  return {
    ...entry(r),
    request_body: r.request_body,
    request_truncated: r.request_truncated === 1,
    response_body: r.response_body,
    response_truncated: r.response_truncated === 1,
  };
}


export function requestsRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db } = deps.store;
  app.get('/requests', async (request): Promise<RequestsResponse> => {
    const q = parseOr400(RequestsQuery, request.query);
    await deps.settleRequestLog(); // queued rows first; 503 while the store refuses them
    const filter = { keyId: q.key_id, model: q.model, backend: q.backend, status: q.status, from: q.from, to: q.to, requestId: q.request_id };
    const { rows, more } = await listRequestLog(db, filter, q.limit ?? REQUESTS_LIMIT_DEFAULT, q.cursor);
    const last = rows[rows.length - 1];
    return { requests: rows.map(entry), next_cursor: more && last !== undefined ? requestsCursor(last) : null };
  });

  app.get<{ Params: { id: string } }>('/requests/:id', async (request): Promise<RequestLogDetail> => {
    const raw = request.params.id;
    if (!/^\d{1,15}$/.test(raw)) throw new GatewayError('invalid_request', 'id must be a log row id (a positive integer; a request id req_… goes in GET /api/requests?request_id=)');
    await deps.settleRequestLog();
    const row = await getRequestLog(db, Number(raw));
    if (row === undefined) throw new GatewayError('not_found', MSG.requestNotFound);
    return detail(row);
  });
}
