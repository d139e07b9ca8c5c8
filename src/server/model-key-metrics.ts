/**
 * Prometheus series per model and per API key (by key id, never the key's name or secret):
 * request and token counters (cached and reasoning tokens included), per-model time-to-first-
 * token and duration histograms, per backend replica an in-use gauge, a hung gauge, the requests
 * in flight, the requests routed there by how it was chosen, its answers by status class and
 * the calls tried again after it failed them (read from the replica at each scrape, so a removed
 * replica's series leave and one added again starts from 0), and per model the count of its
 * replicas in use.
 *
 * Label cardinality stays bounded: the model label is the model sent to the backend when the
 * backend accepted it (an answer below 400), or a model a backend lists (a failed or refused
 * request for it: a per-model error rate); any other request counts under `model=""`, so
 * clients cannot mint series with made-up model names. The latency histograms observe only
 * the answers a model served (complete, below 400): quick refusals, failures and a client
 * leaving midway would pull its quantiles down, and they show in the request counter.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RequestOutcome } from '../data-plane/context.js';
import type { ReplicaSnapshot } from '../data-plane/fleet-view.js';
import { FastCounter, FastHistogram, register } from './request-metrics.js';

export interface ReplicaHealthSource {
  replicaStates(): readonly ReplicaSnapshot[];
  modelReplicasUp(): ReadonlyArray<{ readonly model: string; readonly up: number }>;
  /** A backend lists `model` (its last listing, also while the replica is down). */
  servesModel(model: string): boolean;
}

export interface ModelKeyMetrics {
  onRequestEnd(o: RequestOutcome): void;
}

export function createModelKeyMetrics(registry: Registry, buckets: readonly number[], replicas: () => ReplicaHealthSource | undefined): ModelKeyMetrics {
  const modelRequests = new FastCounter('worv_proxy_model_requests_total', '/v1 requests by model and result', ['model', 'result']);
  const modelTokens = new FastCounter('worv_proxy_model_tokens_total', 'Tokens by model and kind (prompt, completion, cached, reasoning)', ['model', 'kind']);
  const modelTtft = new FastHistogram(
    'worv_proxy_model_time_to_first_token_seconds',
    "Arrival to the first byte of the backend's response body (a stream's first token), by model",
    ['model', 'stream'],
    buckets,
  );
  const modelDuration = new FastHistogram('worv_proxy_model_request_duration_seconds', 'Whole /v1 request duration, by model', ['model', 'stream'], buckets);
  // Per replica: a slow replica among healthy ones shows here, not in its model's histogram.
  const replicaTtft = new FastHistogram(
    'worv_proxy_replica_time_to_first_token_seconds',
    "Arrival to the first byte of the replica's response body (a stream's first token), by replica, for answers it served (complete, below 400)",
    ['replica', 'stream'],
    buckets,
    // A replica removed (and drained) leaves: its series go at the next scrape.
    () => {
      const source = replicas();
      return source === undefined ? undefined : new Set(source.replicaStates().map((r) => r.origin));
    },
  );
  register(registry, replicaTtft);
  const keyRequests = new FastCounter('worv_proxy_key_requests_total', '/v1 requests by API key id and result', ['key_id', 'result']);
  const keyTokens = new FastCounter('worv_proxy_key_tokens_total', 'Tokens by API key id and kind (prompt, completion, cached, reasoning)', ['key_id', 'kind']);
  const keyLimited = new FastCounter(
    'worv_proxy_key_rate_limited_total',
    "/v1 requests refused 429 by a key's own limit, by API key id and which limit (rpm, tpm, concurrency, daily, monthly)",
    ['key_id', 'limit'],
  );
  for (const m of [modelRequests, modelTokens, modelTtft, modelDuration, keyRequests, keyTokens, keyLimited]) register(registry, m);
  /** The model a request counts under: see the module's comment. */
  const modelLabel = (o: RequestOutcome): string => {
    if (o.model !== undefined && o.status > 0 && o.status < 400) return o.model;
    // Refused before it was sent, a request knows only the model the client named.
    const named = o.model ?? o.requestedModel;
    return named !== undefined && replicas()?.servesModel(named) === true ? named : '';
  };
  /** A gauge rebuilt from the fleet at each scrape: a backend removed or a model no longer listed leaves its series. */
  const fleetGauge = (name: string, help: string, label: string, read: (s: ReplicaHealthSource) => Array<readonly [string, number]>): void => {
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        const source = replicas();
        if (source === undefined) return;
        this.reset();
        for (const [value, n] of read(source)) this.set({ [label]: value }, n);
      },
    });
  };
  fleetGauge(
    'worv_proxy_replica_up',
    '1 while the replica takes new requests; 0 while it is in cooldown (after a failed connection, or failing answers another replica then served), ejected as hung, or down (its probes get no answer)',
    'replica',
    (s) => s.replicaStates().flatMap((r) => (r.removed === true ? [] : [[r.origin, r.up ? 1 : 0] as const])),
  );
  fleetGauge(
    'worv_proxy_replica_hung',
    '1 while the replica is ejected as hung (requests running, no token generated for PROXY_HUNG_SECONDS)',
    'replica',
    (s) => s.replicaStates().flatMap((r) => (r.removed === true ? [] : [[r.origin, r.hung ? 1 : 0] as const])),
  );
  fleetGauge(
    'worv_proxy_replica_requests_in_flight',
    "This gateway's requests running on the replica (relays, token counts and model listings; its health probes aside); a replica removed at run time keeps this series until its last request ends",
    'replica',
    (s) => s.replicaStates().map((r) => [r.origin, r.inFlight] as const),
  );
  // The engines' own load, as this gateway last read it from each replica's /metrics: a
  // dashboard of the gateway alone shows where requests queue. Every gateway reports the same
  // engines (aggregate with max by replica); no series while a replica's /metrics is unread.
  const engineGauge = (name: string, help: string, read: (e: NonNullable<ReplicaSnapshot['engine']>) => number | undefined): void =>
    fleetGauge(name, help, 'replica', (s) =>
      s.replicaStates().flatMap((r) => {
        const v = r.removed === true || r.engine === undefined ? undefined : read(r.engine);
        return v === undefined ? [] : [[r.origin, v] as const];
      }),
    );
  engineGauge('worv_proxy_replica_engine_requests_running', "Requests the replica's engine runs (its vllm:num_requests_running, every client's), as last read", (e) => e.running);
  engineGauge('worv_proxy_replica_engine_requests_waiting', "Requests queued in the replica's engine, waiting for a slot (its vllm:num_requests_waiting), as last read", (e) => e.waiting);
  engineGauge('worv_proxy_replica_engine_kv_cache_usage_ratio', "The replica's KV-cache use, 0 to 1 (its vllm:kv_cache_usage_perc), as last read", (e) => e.kvCacheUsage);
  /**
   * A counter kept on each replica object (counted as requests go), read at each scrape: a
   * replica removed leaves its series, one added again starts from 0.
   */
  const replicaCounter = (name: string, help: string, label: string, read: (r: ReplicaSnapshot) => Iterable<readonly [string, number]>): void => {
    new Counter({
      name,
      help,
      labelNames: ['replica', label],
      registers: [registry],
      collect() {
        const source = replicas();
        if (source === undefined) return;
        this.reset();
        for (const r of source.replicaStates()) for (const [value, n] of read(r)) if (n > 0) this.inc({ replica: r.origin, [label]: value }, n);
      },
    });
  };
  replicaCounter(
    'worv_proxy_replica_routed_total',
    'Requests routed to the replica (each attempt: a retry counts where it went), by how it was chosen: only (the model has one replica), ' +
      "previous_response, session or prefix (that key's own replica), spilled (its own replica was over its load bound), least_in_flight, fallback (none was usable)",
    'route',
    (r) => r.routedBy,
  );
  replicaCounter(
    'worv_proxy_replica_responses_total',
    "Answers of the replica to client requests, by status class (2xx, 4xx, 5xx, …), retried ones included: a replica's own error rate",
    'code_class',
    (r) => r.answers.map((n, i) => [`${i}xx`, n] as const),
  );
  replicaCounter(
    'worv_proxy_upstream_retries_total',
    'Backend calls tried again after this replica failed them: reason status (it answered 429, 503 or a failure of its own such as 500), connect (no connection), closed (reset or closed before any byte), silent (it stopped answering while the call waited for its first byte), hung (it was ejected as hung meanwhile)',
    'reason',
    (r) => r.retried,
  );
  fleetGauge(
    'worv_proxy_model_replicas_up',
    'Replicas of each listed model that take new requests (0: its requests get 503 or wait on a replica that may not answer)',
    'model',
    (s) => s.modelReplicasUp().map((m) => [m.model, m.up] as const),
  );

  return {
    onRequestEnd(o) {
      const model = modelLabel(o);
      modelRequests.inc(1, model, o.result);
      if (o.result === 'complete' && o.status > 0 && o.status < 400) {
        const stream = o.stream ? 'true' : 'false';
        modelDuration.observe(o.durationMs / 1000, model, stream);
        if (o.ttfbMs !== undefined) {
          modelTtft.observe(o.ttfbMs / 1000, model, stream);
          if (o.backend !== undefined) replicaTtft.observe(o.ttfbMs / 1000, o.backend, stream);
        }
      }
      // A request refused after its key was known (429, 403, 404, 400) counts under that key too.
      const keyId = o.keyId ?? o.caller?.id;
      if (keyId !== undefined) {
        keyRequests.inc(1, keyId, o.result);
        if (o.limit !== undefined) keyLimited.inc(1, keyId, o.limit);
      }
      const u = o.usage;
      if (u === undefined) return;
      modelTokens.inc(u.promptTokens, model, 'prompt');
      modelTokens.inc(u.completionTokens, model, 'completion');
      modelTokens.inc(u.cachedTokens, model, 'cached');
      modelTokens.inc(u.reasoningTokens, model, 'reasoning');
      if (keyId === undefined) return;
      keyTokens.inc(u.promptTokens, keyId, 'prompt');
      keyTokens.inc(u.completionTokens, keyId, 'completion');
      keyTokens.inc(u.cachedTokens, keyId, 'cached');
      keyTokens.inc(u.reasoningTokens, keyId, 'reasoning');
    },
  };
}
