/**
 * Mounts the /api control plane (docs/admin-api.md) as one encapsulated Fastify plugin: cookie signing
 * with the session secret, CORS for FRONTEND_URL only, the access hook (session, CSRF, login
 * limit, API key), the /api error renderer, and one route module per resource.
 */
import cookie from '@fastify/cookie';
import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Store } from '../store/db.js';
import { accessHook } from './access.js';
import { authRoutes } from './auth.routes.js';
import type { BackendsPort } from './backends-port.js';
import { backendsRoutes } from './backends.routes.js';
import { bootstrapControlPlane } from './bootstrap.js';
import type { RouteDeps } from './deps.js';
import { gpuRoutes } from './gpu.routes.js';
import { keysRoutes } from './keys.routes.js';
import { createLoginLimiter } from './login-limit.js';
import { textGuard } from './text-guard.js';
import { INVALID_JSON_PROTO, renderApiError } from './render-error.js';
import { GatewayError } from '../core/errors.js';
import { MAX_JSON_DEPTH, textNestsDeeperThan } from '../core/json.js';
import { createSessionManager } from './session.js';
import { requestsRoutes } from './requests.routes.js';
import { statusRoutes } from './status.routes.js';
import type { StatusPort } from './status-port.js';
import { usageRoutes } from './usage.routes.js';

export type { BackendHealth, StatusPort } from './status-port.js';
export type { BackendsPort } from './backends-port.js';

/** What the control plane needs from the composition root. */
export interface ControlPlaneDeps {
  readonly config: Config;
  readonly store: Store;
  readonly clock: Clock;
  /** Live gateway facts for /api/status, provided by server/. */
  readonly status: StatusPort;
  /** The backends in use, for /api/backends. */
  readonly backends: BackendsPort;
  /** Resolves once every usage commit so far is in the counters (`forRead`: rejects while the store refuses them). */
  readonly settleUsage: (forRead?: boolean) => Promise<void>;
  /** Requests of a key in flight (from the limit counters); 0 when absent. */
  readonly keyInFlight?: (keyId: string) => Promise<number>;
  /** Resolves once the request log's queued rows are written (rejects when the store refuses them). */
  readonly settleRequestLog?: () => Promise<void>;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** An empty JSON body (e.g. a bare POST /api/logout) reads as no body, not as an error. */
export function emptyJsonIsNoBody(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  const parseJson = (req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void): void => {
    // An unknown path is answered 404 (or 405) whatever its body says: never parsed.
    if (req.is404) return done(null, undefined);
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') done(null, undefined);
    // Before parsing: /api/login reads a body from anyone.
    else if (textNestsDeeperThan(text, MAX_JSON_DEPTH)) done(new GatewayError('invalid_request', `Request body nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`));
    else
      void json(req, text, (err, parsed) => {
        // The parser refuses, as JSON it cannot read, members that could reach an object's prototype.
        done(err !== null && isJson(text) ? new GatewayError('invalid_request', INVALID_JSON_PROTO) : err, parsed);
      });
  };
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJson);
}

export async function registerControlPlane(app: FastifyInstance, deps: ControlPlaneDeps): Promise<void> {
  const { config, store, clock } = deps;
  const { sessionSecret } = await bootstrapControlPlane(config, store, clock, app.log);
  const limiter = await createLoginLimiter({ store, clock, redisUrl: config.redisUrl, log: app.log });
  app.log.info(limiter.backend === 'redis' ? 'login rate limit counters: Redis (REDIS_URL), the database while it does not answer' : 'login rate limit counters: the database');

  await app.register(
    async (api) => {
      api.addHook('onClose', () => limiter.close());
      await api.register(cookie, { secret: sessionSecret });
      const frontend = config.frontendUrl;
      if (frontend !== undefined) {
        // Per request, so other origins get no CORS headers at all (not even Allow-Credentials).
        const allowed = { origin: frontend, credentials: true, methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'] };
        await api.register(cors, () => (req: FastifyRequest, cb: (err: Error | null, opts: FastifyCorsOptions) => void) => {
          cb(null, req.headers.origin === frontend ? allowed : { origin: false });
        });
      }
      api.setErrorHandler(renderApiError);
      emptyJsonIsNoBody(api);
      // Text is refused (415), not read: its body was silently ignored, and reading it as JSON
      // would let another site's plain form post a login (a simple request, no preflight).
      api.removeContentTypeParser('text/plain');
      api.decorateRequest('adminSession', undefined);
      api.decorateRequest('apiKey', undefined);
      const sessions = createSessionManager(store, clock, config.keyStaleMs);
      api.addHook('onRequest', accessHook({ store, clock, sessions, limiter, gpuAgentKeys: config.gpuAgentKeys }));
      api.addHook('preValidation', textGuard);

      const routeDeps: RouteDeps = { config, store, clock, sessions, status: deps.status, settleUsage: deps.settleUsage,
        keyInFlight: deps.keyInFlight ?? (() => Promise.resolve(0)),
        settleRequestLog: deps.settleRequestLog ?? (() => Promise.resolve()) };
      authRoutes(api, routeDeps);
      keysRoutes(api, routeDeps);
      usageRoutes(api, routeDeps);
      requestsRoutes(api, routeDeps);
      gpuRoutes(api, routeDeps);
      statusRoutes(api, routeDeps);
      backendsRoutes(api, routeDeps, deps.backends);
    },
    { prefix: '/api' },
  );
}
