/**
 * Who may call an /api route, decided in one onRequest hook before the body is read. Each
 * route declares `config.access`; undeclared routes need a session, so a new route is
 * closed by default. Session routes that mutate also need the CSRF token; the login route
 * is rate-limited; `POST /api/gpu-stats` takes an API key instead of a session.
 */
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { hashApiKey, presentedApiKey } from '../core/api-key.js';
import type { Clock } from '../core/clock.js';
import { GatewayError } from '../core/errors.js';
import { MSG } from '../core/messages.js';
import { findApiKeyByHash, type ApiKeyRecord } from '../store/api-keys.repo.js';
import type { Store } from '../store/db.js';
import type { SessionRecord } from '../store/sessions.repo.js';
import { assertCsrf, isMutating } from './csrf.js';
import type { LoginLimiter } from './login-limit.js';
import { STORE_RETRY_AFTER } from './render-error.js';
import { isFromMemory, type SessionManager } from './session.js';

/** `public`: anyone (the session is still loaded); `login`: anyone, rate-limited. */
export type Access = 'public' | 'login' | 'session' | 'api-key';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** The route needs nothing from the store: a session answered from memory during an outage may use it. */
    duringStoreOutage?: boolean;
  }
  interface FastifyRequest {
    adminSession: SessionRecord | undefined;
    apiKey: ApiKeyRecord | undefined;
  }
}

/** The key in `Authorization: Bearer …` or `x-api-key`, by the same rule as /v1. */
function presentedKey(request: FastifyRequest): string | undefined {
  return presentedApiKey(request.headers.authorization, request.headers['x-api-key']);
}

export interface AccessDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly sessions: SessionManager;
  readonly limiter: LoginLimiter;
  /** The key ids that may post GPU telemetry (PROXY_GPU_AGENT_KEYS); undefined = any active key. */
  readonly gpuAgentKeys?: ReadonlySet<string> | undefined;
}

export function accessHook(deps: AccessDeps): onRequestAsyncHookHandler {
  return async (request) => {
    if (request.is404 || request.method === 'OPTIONS') return;
    const access = request.routeOptions.config.access ?? 'session';
    if (access === 'api-key') {
      const key = presentedKey(request);
      const record = key === undefined ? undefined : await findApiKeyByHash(deps.store.db, hashApiKey(key));
      if (record?.isActive !== true) throw new GatewayError('unauthorized', MSG.unauthorized);
      // Expiry as on /v1: an expired key is refused everywhere it is accepted.
      const expiresAt = record.policy?.expiresAt;
      if (expiresAt !== undefined && expiresAt !== null && deps.clock.now() >= expiresAt) throw new GatewayError('unauthorized', MSG.keyExpired);
      // The one route API keys reach here is GPU telemetry: only the agents' keys, when listed.
      if (deps.gpuAgentKeys !== undefined && !deps.gpuAgentKeys.has(record.id)) throw new GatewayError('forbidden', MSG.notGpuAgentKey);
      request.apiKey = record;
      return;
    }
    if (access === 'login') {
      const decision = await deps.limiter.hit(request.ip);
      if (!decision.allowed) {
        throw new GatewayError('rate_limited', MSG.tooManyLoginAttempts, { 'retry-after': String(decision.retryAfterSeconds) });
      }
    }
    request.adminSession = await deps.sessions.load(request);
    if (request.adminSession !== undefined && isFromMemory(request.adminSession) && request.routeOptions.config.duringStoreOutage !== true) {
      throw new GatewayError('store_unavailable', MSG.storeUnavailable, STORE_RETRY_AFTER);
    }
    if (access !== 'session') return;
    if (request.adminSession === undefined) throw new GatewayError('unauthorized', MSG.authenticationRequired);
    if (isMutating(request.method)) assertCsrf(request, request.adminSession);
  };
}
