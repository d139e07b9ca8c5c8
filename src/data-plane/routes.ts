/**
 * Entry of the /v1 data plane: a plain node:http handler (the hot path skips the web
 * framework). Everything that can be decided once is built here at start-up: the upstream
 * pools, the header rules, the backend probe, the shaping configuration per profile.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DrainClose } from './drain-close.js';
import type { buildConnector } from 'undici';
import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import { isGatewayError } from '../core/errors.js';
import { isV1Root } from '../core/v1-path.js';
import { NO_LIMIT_COUNTERS, type KeyLookup, type LimitCounters, type RequestObserver, type RequestTracer, type UsageSink } from './context.js';
import { Exchange, type ExchangeEnv } from './exchange.js';
import { createTokenizeEstimator } from './input-estimate.js';
import { runPipeline, type PipelineEnv } from './pipeline.js';
import { asGatewayError, sendNotFound } from './render-error.js';
import { conformanceFor } from './tap/conformance.js';
import { hanFilterFor } from './tap/han-filter.js';
import { observersFor } from './tap/observers.js';
import { usageChunkFilterFor } from './tap/usage-chunk-filter.js';
import { createBackendProbe, type BackendStatus } from './upstream/backend-probe.js';
import { createUpstream } from './upstream/client.js';
import { failureErrors } from './upstream/failures.js';
import { createFleetRouting } from './upstream/fleet-routing.js';
import { createFleetState, type FleetState } from './upstream/fleet-state.js';
import { createFleetModels } from './fleet.js';
import { loadModelsFile } from './models-file.js';
import { watchModelsFile } from './models-file-check.js';
import { shapingConfigs } from './shaping-config.js';
import { aliasConfigOf, resolveModelName } from './transforms/alias-model.js';
import { requestHeaderRules } from './upstream/headers.js';
import { createFleetHistory } from './upstream/fleet-history.js';
import { fleetView, healthOf, inUse, modelReplicasUp, modelsDown, type ReplicaSnapshot } from './fleet-view.js';
import { watchReplicaHealth, type ReplicaHealthChange } from './replica-health-log.js';
import { createRemovedReplicas } from './removed-replicas.js';
import { fleetQueue, modelSlots, type QueueState } from './fair-queue.js';
import type { Replica } from './upstream/replicas.js';
import type { BackendsResponse } from '../shared/api-contract.js';

export interface DataPlaneDeps {
  readonly config: Config;
  readonly keys: KeyLookup;
  readonly usage: UsageSink;
  readonly clock: Clock;
  /** Per-key limit counters; default: none can be reached (keys with limits get 503). */
  readonly limits?: LimitCounters;
  /** Metrics and request logs (optional). */
  readonly observer?: RequestObserver;
  /** One trace span per request (OpenTelemetry); absent when tracing is off. */
  readonly tracer?: RequestTracer | undefined;
  /** Failures nobody else sees (a usage commit that failed); default: stderr. */
  readonly warn?: (message: string, err: unknown) => void;
  /** Something for the operator to fix that fails no request (a models file that does not match the fleet); default: stderr. */
  readonly notice?: (message: string) => void;
  /** A replica stopped or started taking new requests (checked after each probe round). */
  readonly onReplicaHealth?: (change: ReplicaHealthChange) => void;
  /** The backends to start with (default: the environment's); `setBackends` changes them. */
  readonly backends?: readonly string[];
  /** Tests only: replaces the TCP connector to the backends. */
  readonly connector?: buildConnector.connector;
}

export interface DataPlane {
  /** Handle one request whose path starts with /v1. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Requests currently being served. */
  inFlight(): number;
  /** Requests of this key this gateway is serving now. */
  keyInFlight(keyId: string): number;
  /** The backend as probed (GET /v1/models, cached a few seconds). */
  backendStatus(): Promise<BackendStatus>;
  /** Each replica as /metrics shows it. */
  replicaStates(): readonly ReplicaSnapshot[];
  /** Per model listed, how many of its replicas take new requests. */
  modelReplicasUp(): ReadonlyArray<{ readonly model: string; readonly up: number }>;
  /** A backend lists `model`. */
  servesModel(model: string): boolean;
  /** Resolves once the first backend probe finished (the live model is known if reachable). */
  ready(): Promise<void>;
  /** The replicas' state and routing counts (status pages). */
  fleet(): { readonly state: FleetState };
  /** Uses exactly these backends from now on (new ones are probed at once; removed ones finish their requests). */
  setBackends(urls: readonly string[]): { readonly added: readonly string[]; readonly removed: readonly string[] };
  /** The replicas, their health, metrics and history, and the models (GET /api/backends). */
  backendsView(): BackendsResponse;
  /** Models listed none of whose replicas is up now (/readyz). */
  modelsDown(): readonly string[];
  /** The fair queue per model with slots, listed or used (fair-queue.ts); empty when no model has slots. */
  queued(): readonly QueueState[];
  /** The gateway is stopping: answers close their connections as they end (drain-close.ts). */
  drain(): void;
  /** Release upstream connection pools. */
  close(): Promise<void>;
}

/** A replica may carry this many times the mean in flight before affinity passes requests on. */
const LOAD_FACTOR = 1.25;

/** Samples kept per replica for the console's history (two minutes at the default interval). */
const HISTORY_SAMPLES = 60;

/** Probes and model listings wait at most this long for the backend. */
const PROBE_TIMEOUT_MS = 5000;

const defaultWarn = (message: string, err: unknown): void => void process.stderr.write(`worv-proxy: ${message}: ${err instanceof Error ? err.message : String(err)}\n`);
const defaultNotice = (message: string): void => void process.stderr.write(`worv-proxy: ${message}\n`);

export function createDataPlane(deps: DataPlaneDeps): DataPlane {
  const { config } = deps;
  const requestHeaders = requestHeaderRules(config.vllmApiKey);
  // The routing policy reads the fleet's state, which probes through the upstream it routes.
  const holder: { state?: FleetState } = {};
  const modelsFile = loadModelsFile(config.fleet.modelsFile);
  const slots = modelSlots(modelsFile, config.fleet.replicaSlots);
  const routing = createFleetRouting({
    get state() {
      return holder.state as FleetState;
    },
    loadFactor: LOAD_FACTOR,
    hold: (model) => (model === undefined ? undefined : modelsFile.get(model)?.affinityHold) ?? config.fleet.affinityHold,
    affinity: config.fleet.routing === 'affinity',
  });
  let refusedKeyLoggedAt = -Infinity;
  const onRefusedKey = (origin: string, status: number): void => {
    // One line a minute while it lasts: every request through that backend meets it.
    const now = deps.clock.now();
    if (now - refusedKeyLoggedAt < 60_000) return;
    refusedKeyLoggedAt = now;
    const then = 'its requests go to a replica of the model that takes the key, or clients get 502';
    (deps.warn ?? defaultWarn)('backend refuses the gateway\'s credentials', new Error(`${origin} answered ${status}: set VLLM_API_KEY to the key the backend was started with (vLLM's --api-key); ${then}`));
  };
  const upstream = createUpstream({
    backends: deps.backends ?? config.backends,
    connectTimeoutMs: config.connectTimeoutMs,
    ...(deps.connector !== undefined ? { connector: deps.connector } : {}),
    pickReplica: routing.pick,
    retryableStatus: routing.retryableStatus,
    retryableClose: routing.retryableClose,
    observe: routing.observe,
    onRefusedKey,
  });
  const removedRunning = createRemovedReplicas();
  const fleet = createFleetState({
    upstream,
    headers: requestHeaders([]),
    timeoutMs: Math.min(PROBE_TIMEOUT_MS, config.nonstreamReadTimeoutMs),
    healthIntervalMs: config.fleet.healthIntervalMs,
    modelsIntervalMs: config.fleet.modelsRefreshMs,
    hungMs: config.fleet.hungMs,
    onRound: () => {
      history.sample();
      healthChanges?.();
      modelsCheck();
    },
  });
  holder.state = fleet;
  const queue = fleetQueue({ slots, timeoutMs: config.fleet.queueTimeoutMs, replicas: (model) => fleet.servers(model).length });
  const modelsCheck = watchModelsFile(modelsFile, fleet.states, deps.notice ?? defaultNotice);
  const healthChanges = deps.onReplicaHealth === undefined ? undefined : watchReplicaHealth(fleet, config.fleet.hungMs, deps.onReplicaHealth);
  const history = createFleetHistory({ replicas: () => upstream.replicas, state: (r) => fleet.state(r), size: HISTORY_SAMPLES });
  const fleetModels = createFleetModels({
    state: fleet,
    file: modelsFile,
    explicitProfile: config.modelProfile,
    contextTokens: config.maxContextTokens,
    maxOutputTokens: config.maxOutputTokens,
  });
  const probe = createBackendProbe({
    upstream,
    headers: requestHeaders([]),
    clock: deps.clock,
    timeoutMs: Math.min(PROBE_TIMEOUT_MS, config.nonstreamReadTimeoutMs),
  });

  const alias = aliasConfigOf(config.alias);
  const shapingConfig = shapingConfigs({ config, models: fleetModels, ready: fleet.ready, liveModel: () => probe.liveModel() });

  let inFlight = 0;
  // Per key, this gateway's requests being served (keys without a concurrency limit have no
  // shared counter that knows).
  const keyInFlight = new Map<string, number>();
  const drainClose = new DrainClose();
  const onIdentified = (keyId: string): void => {
    keyInFlight.set(keyId, (keyInFlight.get(keyId) ?? 0) + 1);
  };
  const onDone = (keyId: string | undefined): void => {
    inFlight--;
    if (keyId === undefined) return;
    const n = (keyInFlight.get(keyId) ?? 1) - 1;
    if (n > 0) keyInFlight.set(keyId, n);
    else keyInFlight.delete(keyId);
  };
  // After the usage meter, in this order; the Han filter goes last.
  const observerFactories = [usageChunkFilterFor, conformanceFor, hanFilterFor];
  const stripHan = config.stripHan;
  const failureError = failureErrors(config.fleet.healthIntervalMs);
  const env: ExchangeEnv = {
    upstream,
    usage: deps.usage,
    observer: deps.observer,
    observersFor: (dialect, facts, meter) => observersFor({ facts, dialect, stripHan }, meter, observerFactories),
    streamReadTimeoutMs: config.streamReadTimeoutMs,
    nonstreamReadTimeoutMs: config.nonstreamReadTimeoutMs,
    failureError,
    warn: deps.warn ?? defaultWarn,
    logBodies: config.requestLog.bodies && config.requestLog.days > 0,
    clientTimeoutMs: config.clientTimeoutMs,
    onDone,
    onIdentified,
    routeOf: routing.routeOf,
    inFlight: () => inFlight,
    drainClose,
  };
  const pipelineEnv: PipelineEnv = {
    keys: deps.keys,
    maxBodyBytes: config.maxBodyBytes,
    requestHeaders,
    shapingConfig,
    fleet: fleetModels,
    models: {
      fleet: fleetModels,
      upstream,
      probe,
      explicitProfile: config.modelProfile,
      requestHeaders,
      timeoutMs: config.nonstreamReadTimeoutMs,
      failureError,
        resolve: (model) => resolveModelName(model, alias),
    },
    admission: {
      counters: deps.limits ?? NO_LIMIT_COUNTERS,
      clock: deps.clock,
      forwardPriority: config.forwardPriority,
      maxOutputTokens: config.maxOutputTokens,
    },
    queue,
    ...(config.tokenizeEstimate !== 'off'
      ? { inputEstimator: createTokenizeEstimator({ upstream, headers: requestHeaders([]) }), estimateAlways: config.tokenizeEstimate === 'on' }
      : {}),
  };

  const tracer = deps.tracer;
  return {
    handle(req, res) {
      if (!drainClose.opened(req)) return;
      inFlight++;
      const x = new Exchange(env, req, res);
      if (isV1Root(req.url ?? '/v1')) {
        sendNotFound(res);
        return;
      }
      if (tracer !== undefined) x.traced(tracer.start(req.headers));
      runPipeline(x, pipelineEnv).catch((err: unknown) => {
        if (!isGatewayError(err) && !x.clientGone) env.warn('internal error', err);
        x.reject(asGatewayError(err));
      });
    },
    inFlight: () => inFlight,
    keyInFlight: (keyId) => keyInFlight.get(keyId) ?? 0,
    backendStatus: () => probe.status(),
    replicaStates: () => {
      const now = performance.now();
      const snapshot = (r: Replica, up: boolean, hung: boolean, removed = false, inFlight = r.outstanding, engine?: ReplicaSnapshot['engine']): ReplicaSnapshot => ({ origin: r.origin, up, hung, inFlight, routedBy: r.routedBy, answers: r.answers, retried: r.retried, removed, engine });
      return [
        ...upstream.replicas.map((r) => {
          const s = fleet.state(r);
          return snapshot(r, inUse(healthOf(s, now, config.fleet.hungMs).health), s.hung, false, r.outstanding, s.metricsFailed ? undefined : s.metrics);
        }),
        ...removedRunning.running(upstream.replicas).map(({ replica, inFlight }) => snapshot(replica, false, false, true, inFlight)),
      ];
    },
    modelReplicasUp: () => modelReplicasUp(fleet, config.fleet.hungMs),
    servesModel: (model) => fleet.servers(model).length > 0,
    ready: () => Promise.all([probe.ready, fleet.ready]).then(() => undefined),
    fleet: () => ({ state: fleet }),
    setBackends(urls) {
      const listed = new Map(upstream.replicas.map((r) => [r, (fleet.state(r).models ?? []).map((c) => c.id)]));
      const { added, removed } = upstream.setBackends(urls);
      for (const r of removed) removedRunning.add(r, listed.get(r) ?? []);
      // Probed now, not at the next round: its models are routable within the second.
      if (added.length > 0) void fleet.probe(added);
      return { added: added.map((r) => r.origin), removed: removed.map((r) => r.origin) };
    },
    modelsDown: () => modelsDown(fleet, config.fleet.hungMs),
    queued: () => queue?.states(fleet.cards().flatMap((c) => (fleetModels.engineModel(c.id) === c.id ? [c.id] : []))) ?? [],
    drain: () => drainClose.start(),
    backendsView: () =>
      fleetView({ state: fleet, history, env: config.backends, intervalMs: config.fleet.healthIntervalMs, hungMs: config.fleet.hungMs, removed: removedRunning.running(upstream.replicas), queue: (m) => (fleetModels.engineModel(m) === m ? queue?.state(m) : undefined) }),
    close: () => {
      fleet.close();
      return upstream.close();
    },
  };
}
