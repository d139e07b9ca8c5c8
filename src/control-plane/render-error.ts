/**
 * The one place /api errors become responses: `{"error": "<message>"}` with the
 * status of the GatewayError kind. Fastify's own failures (bad JSON, body over the limit,
 * unsupported media type) are mapped to the same shape; anything unexpected is a logged 500.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isGatewayError } from '../core/errors.js';
import { MSG } from '../core/messages.js';
import { isStoreUnavailable } from '../store/unavailable.js';

/** Message for a body that is not JSON although it says so. */
export const INVALID_JSON_BODY = 'Invalid JSON body';
/** Message for JSON refused for a member that could reach an object's prototype. */
export const INVALID_JSON_PROTO = 'Invalid JSON body: a member named __proto__ (or constructor.prototype) is not taken';

/** A store that failed is worth asking again after a second (a restart, a lock released). */
export const STORE_RETRY_AFTER: Readonly<Record<string, string>> = Object.freeze({ 'retry-after': '1' });

function fastifyStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('statusCode' in err)) return undefined;
  const s = (err).statusCode;
  return typeof s === 'number' && s >= 400 && s < 500 ? s : undefined;
}

/** What status and message an error is shown as. */
export function describeError(err: unknown): { status: number; message: string; headers?: Readonly<Record<string, string>> } {
  if (isGatewayError(err)) return { status: err.status, message: err.message, ...(err.headers !== undefined ? { headers: err.headers } : {}) };
  // The database is down, restarting or locked: a 503 the caller can retry, never a 500.
  if (isStoreUnavailable(err)) return { status: 503, message: MSG.storeUnavailable, headers: STORE_RETRY_AFTER };
  const status = fastifyStatus(err);
  if (status === undefined) return { status: 500, message: MSG.internal };
  const code = (err as FastifyError).code;
  if (status === 413) return { status, message: MSG.payloadTooLarge };
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return { status, message: INVALID_JSON_BODY };
  return { status, message: (err as Error).message };
}

/** Fastify error handler for the /api scope. */
export function renderApiError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, message, headers } = describeError(err);
  if (status === 503) request.log.warn({ err: String(err) }, 'control plane request failed: store unavailable');
  else if (status >= 500) request.log.error({ err }, 'control plane request failed');
  if (headers !== undefined) void reply.headers(headers);
  void reply.code(status).type('application/json; charset=utf-8').send({ error: message });
}
