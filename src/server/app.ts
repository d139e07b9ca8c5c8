/**
 * The composition root: builds one gateway from a Config and a Store. /v1 goes straight to
 * the data plane's node:http handler (the hot path skips framework routing); /api, the
 * console and /metrics are Fastify routes. No globals: tests build a fresh app per test.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { pino } from 'pino';
import { BACKEND_URL_MAX } from '../core/backend-url.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import { MSG } from '../core/messages.js';
import { isV1Path } from '../core/v1-path.js';
import { emptyJsonIsNoBody, registerControlPlane } from '../control-plane/routes.js';
import { renderApiError } from '../control-plane/render-error.js';
import { createDataPlane, type DataPlane } from '../data-plane/routes.js';
import type { Store } from '../store/db.js';
import type { UsageWriter } from '../store/usage-writer.js';
import { polledRoute, registerHealthRoutes, storeCheck } from './health.js';
import { bootBackends, startBackendSync } from './backend-sync.js';
import { closeStoreWriters } from './close-store-writers.js';
import { trackConnections, type DrainConnections } from './drain-connections.js';
import { clientErrorHandler, guardClients, guardedServerOptions, missingHost, refuseConnect } from './client-guard.js';
import { createCachedKeyLookup } from './key-lookup.js';
import { createLimits, type Limits } from './limits/limits.js';
import { createMetrics } from './metrics.js';
import { allowedMethods, methodNotAllowedMessage } from './method-not-allowed.js';
import { logWritten } from './log-written.js';
import { isApiPath, isOddPath, sendNotFound } from './odd-path.js';
import { createRequestLog, type RequestLog } from './request-log.js';
import { requestObserver } from './request-observer.js';
import { replicaHealthLines } from './replica-health-lines.js';
import { settleRequestLogForRead, settleUsage } from './settle-for-read.js';
import { registerConsole } from './static.js';
import { loadTracing } from './tracing/load.js';
import { trustedPeer, trustProxyOption } from './trusted-peers.js';
import { v1Cors } from './v1-cors.js';
import { openUsage, usageNotWritten, usageSinkFor } from './usage-accounting.js';
import { watchStoreFile } from './store-file-watch.js';
import { GATEWAY_VERSION } from './version.js';

export interface AppDeps {
  readonly store: Store;
  readonly clock?: Clock;
  /** Redis key prefix of the limit counters (tests isolate with it). */
  readonly redisPrefix?: string;
  /** Body bytes the request log's queue may hold (tests make it small). */
  readonly requestLogBodyBytes?: number;
}

export interface App {
  readonly fastify: FastifyInstance;
  readonly server: Server;
  readonly dataPlane: DataPlane;
  readonly usageWriter: UsageWriter;
  readonly limits: Limits;
  /** The request log (undefined when REQUEST_LOG_DAYS=0). */
  readonly requestLog: RequestLog | undefined;
  /** Listen on config.host:config.port (port 0 = any free port). */
  listen(): Promise<{ url: string; port: number }>;
  /** Stop accepting, finish in-flight requests, flush usage, close pools. Does not close the store. */
  close(): Promise<void>;
}

/** During a drain, how long a connection whose answer said keep-alive waits for one more request. */
const DRAIN_IDLE_MS = 1000;

/** At most one log line this often about key checks failing while the store is away. */
const STORE_ERROR_LOG_MS = 10_000;

/** How long a SQLite statement waits for another process's lock before the usage goes to the spool. */
const SQLITE_BUSY_MS = 100;

export async function createApp(config: Config, deps: AppDeps): Promise<App> {
  const clock = deps.clock ?? systemClock;
  const startedAt = clock.now();
  const logger = pino({ level: config.logLevel, base: { service: 'worv-proxy' } });
  deps.store.onConnectionError((err) => logger.warn({ err: String(err) }, 'store connection lost; the pool reconnects on the next query'));
  // Another process holding the SQLite file locked must not stall responses: wait briefly, then spool.
  deps.store.sqlite?.pragma(`busy_timeout = ${SQLITE_BUSY_MS}`);
  // Declared before the writer: usage dropped during start-up replay is counted too.
  const ref: { dataPlane?: DataPlane; usageWriter?: UsageWriter } = {};
  const metrics = createMetrics({
    inFlight: () => ref.dataPlane?.inFlight() ?? 0,
    backendUp: async () => (ref.dataPlane === undefined ? undefined : (await ref.dataPlane.backendStatus()).reachable),
    usageSpool: () => ref.usageWriter?.spoolStats() ?? { entries: 0, oldestAt: undefined },
    replicas: () => ref.dataPlane,
  });
  const usageWriter = await openUsage(config, deps.store, logger, (n) => metrics.onUsageDropped(n));
  ref.usageWriter = usageWriter;
  const fastifyLogger: FastifyBaseLogger = logger;
  const limits = createLimits({
    config,
    store: deps.store,
    clock,
    logger,
    registry: metrics.registry,
    usage: usageWriter,
    ...(deps.redisPrefix !== undefined ? { redisPrefix: deps.redisPrefix } : {}),
  });
  await limits.ready();
  const counters = limits.health();
  // A Redis that answers and refuses (a database number it does not have, a wrong password) is a
  // configuration error; one that does not answer yet may come up, and limits fail open meanwhile.
  if (counters.refused) {
    // Nothing keeps running behind the error: not the Redis client's reconnects, not the spool's lock.
    await limits.close();
    await usageWriter.close();
    throw new Error(`Redis at REDIS_URL refused the connection: ${counters.error}`);
  }
  if (!counters.reachable) {
    logger.warn(
      { err: counters.error },
      `per-key limit counters: Redis does not answer yet; until it does, ${config.limitsFailOpen ? 'each gateway counts limits on its own (PROXY_LIMITS_FAIL_OPEN=on)' : 'requests of keys with limits get 503 (PROXY_LIMITS_FAIL_OPEN=off)'}`,
    );
  } else if (limits.backend !== 'process') logger.info(`per-key limit counters in ${limits.backend === 'redis' ? 'Redis' : 'the database'}`);
  const tracing = await loadTracing(config.tracing, {
    serviceVersion: GATEWAY_VERSION,
    warn: (message) => logger.warn(message),
  });
  const requestLog = createRequestLog({
    config, store: deps.store, clock, registry: metrics.registry, logger,
    ...(deps.requestLogBodyBytes !== undefined ? { maxBodyBytes: deps.requestLogBodyBytes } : {}),
  });
  let keyErrorLoggedAt = -Infinity;
  const dataPlane = createDataPlane({
    config,
    backends: await bootBackends(deps.store, config.backends),
    keys: createCachedKeyLookup(deps.store, clock, {
      staleMs: config.keyStaleMs, defaultConcurrency: config.defaultConcurrency,
      onBudgetAdded: (keyId, firstRead) => (firstRead ? limits.raiseBudgets(keyId) : limits.forgetBudgets(keyId)),
      // Retried once a second while the store is away: one line per STORE_ERROR_LOG_MS says it still is.
      onStoreError: (err) => {
        const now = clock.now();
        if (now - keyErrorLoggedAt < STORE_ERROR_LOG_MS) return;
        keyErrorLoggedAt = now;
        logger.warn({ err: String(err) }, 'store unavailable for key checks: keys seen valid recently keep working');
      },
    }),
    usage: usageSinkFor(usageWriter, clock),
    limits,
    clock,
    observer: requestObserver(metrics, logger, requestLog),
    tracer: tracing?.tracer,
    warn: (message, err) => logger.error({ err }, message),
    notice: (message) => logger.warn(message),
    onReplicaHealth: replicaHealthLines(logger),
  });
  ref.dataPlane = dataPlane;
  const backendSync = startBackendSync({
    store: deps.store,
    env: config.backends,
    apply: (urls) => dataPlane.setBackends(urls),
    onChange: (added, removed) => logger.info({ added, removed }, 'backends changed'),
    onError: (err) => logger.warn({ err: String(err) }, 'backends could not be read from the store; keeping the ones in use'),
    onEmpty: () => logger.warn('the stored backend changes leave no backend: using VLLM_BASE_URL'),
  });

  const stopFileWatch = watchStoreFile(deps.store, clock, (problem) => logger.error(problem));

  let server: Server | undefined;
  let connections: DrainConnections | undefined;
  const fastify = Fastify({
    loggerInstance: fastifyLogger,
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: config.maxBodyBytes,
    // A backend URL (up to 2048 characters) percent-encoded in `/api/backends/:url` (Fastify's default: 100).
    routerOptions: { maxParamLength: 3 * BACKEND_URL_MAX },
    clientErrorHandler: clientErrorHandler(config.clientTimeoutMs),
    // Errors raised before routing (a URL Fastify cannot decode, a parameter over its length)
    // get the same JSON as any error; a malformed percent-escape is the /v1 guard's `Invalid path`.
    frameworkErrors: (err, _req, reply: FastifyReply) => {
      const bad = err.code === 'FST_ERR_BAD_URL';
      void reply.code(bad ? 400 : (err.statusCode ?? 500)).type('application/json').send({ error: bad ? MSG.invalidPath : err.message });
    },
    serverFactory: (handler) => {
      const cors = v1Cors(config.v1CorsOrigins);
      const guard = { clientTimeoutMs: config.clientTimeoutMs, maxConnectionsPerIp: config.maxConnectionsPerIp, uncapped: trustedPeer(config.trustProxy), maxBodyBytes: config.maxBodyBytes };
      const s = createServer(guardedServerOptions(guard));
      s.on('connect', refuseConnect);
      s.on('request', guardClients(s, guard, (req: IncomingMessage, res: ServerResponse) => {
        if (missingHost(req, res)) return;
        if (isV1Path(req.url)) {
          if (cors === undefined || !cors(req, res)) dataPlane.handle(req, res);
        }
        else if (isApiPath(req.url) || !isOddPath(req.url ?? '')) handler(req, res);
        else sendNotFound(res);
      }));
      server = s;
      connections = trackConnections(s, DRAIN_IDLE_MS);
      return s;
    },
  });

  await registerControlPlane(fastify, {
    config,
    store: deps.store,
    clock,
    status: {
      inFlight: () => dataPlane.inFlight(),
      startedAt: () => startedAt,
      version: () => GATEWAY_VERSION,
      backend: () => dataPlane.backendStatus(),
      fleet: () => dataPlane.backendsView(),
      usageSpool: () => usageWriter.spoolStats(),
      limitCounters: () => {
        const h = limits.health();
        return { where: limits.backend, reachable: h.reachable, error: h.error };
      },
      store: async () => {
        const check = await storeCheck(deps.store);
        return { reachable: check.ok, error: check.error ?? null, fileProblem: deps.store.fileProblem() ?? null, writeError: check.ok ? (usageNotWritten(usageWriter, clock.now()) ?? null) : null };
      },
    },
    settleUsage: (forRead) => settleUsage(usageWriter, () => limits.flush(), forRead === true),
    // A limited key's shared count covers every gateway; this gateway's covers keys without one.
    keyInFlight: async (keyId) => Math.max(dataPlane.keyInFlight(keyId), await limits.inFlight(keyId)),
    settleRequestLog: () => settleRequestLogForRead(requestLog?.writer),
    backends: { view: () => dataPlane.backendsView(), sync: () => backendSync.sync() },
  });

  fastify.get('/metrics', polledRoute(fastify), async (_req, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });

  registerHealthRoutes(fastify, {
    store: deps.store,
    keyStaleMs: config.keyStaleMs,
    now: () => clock.now(),
    backendReachable: () => dataPlane.backendStatus(),
    limitCounters: () => limits.health(),
    modelsDown: () => dataPlane.modelsDown(),
    usageNotWritten: () => usageNotWritten(usageWriter, clock.now()),
  });

  // Outside /api too (a body Fastify cannot read on /metrics or an unknown path): `{"error": …}`,
  // and an empty JSON body is no body, so an unknown path is 404 whatever its headers say.
  fastify.setErrorHandler(renderApiError);
  emptyJsonIsNoBody(fastify);
  const consoleAssets = await registerConsole(fastify, config.consoleDir);
  fastify.setNotFoundHandler((req, reply) => {
    const allowed = allowedMethods(fastify, req.url);
    if (allowed.length > 0) {
      void reply.code(405).header('allow', allowed.join(', ')).type('application/json').send({ error: methodNotAllowedMessage(req.method, allowed) });
      return;
    }
    // Page navigations get the console (deep links); every other unknown path stays JSON.
    if (consoleAssets.servePage(req, reply)) return;
    void reply.code(404).type('application/json').send({ error: isApiPath(req.url) ? MSG.apiNotFound : MSG.notFoundUseV1 });
  });

  await fastify.ready();
  if (server === undefined) throw new Error('server factory was not called');
  const httpServer = server;

  /** Drain: stop accepting, let in-flight requests end, flush usage, close pools. */
  async function drainAndClose(): Promise<void> {
    // server.close() closes the connections idle at that moment. /v1 answers whose head is sent
    // from now on say `Connection: close` (data-plane/drain-close.ts), so their connections end
    // with them. One whose head said keep-alive before the drain stays open for DRAIN_IDLE_MS
    // after it ends: a client that sends its next request at once (an agent's next turn) is
    // answered, with `Connection: close`, instead of meeting a connection closed under it. Any
    // connection without an answer that stays silent that long then closes (drain-connections.ts).
    dataPlane.drain();
    httpServer.keepAliveTimeout = DRAIN_IDLE_MS;
    connections?.drain();
    await fastify.close();
    backendSync.close();
    stopFileWatch();
    // Nothing is lost, but the operator should know where it waits (or that it is gone).
    await closeStoreWriters({ usageWriter, requestLog, limits }, logger);
    await dataPlane.close();
    // Every request's span has ended by now: export what is still queued.
    await tracing?.shutdown().catch((err: unknown) => logger.warn({ err: String(err) }, 'spans not exported at shutdown'));
    await logWritten(logger); // out before whatever the caller prints next
  }
  // Idempotent: `serve` and tests may both close the app.
  let closing: Promise<void> | undefined;

  return {
    fastify,
    server: httpServer,
    dataPlane,
    usageWriter,
    limits,
    requestLog,
    async listen() {
      await fastify.listen({ host: config.host, port: config.port, backlog: 4096 });
      const addr = httpServer.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : config.port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      return { url: `http://${host}:${port}`, port };
    },
    close() {
      closing ??= drainAndClose();
      return closing;
    },
  };
}
