/**
 * What GET /api/backends shows: each replica in use with its health and why, its load and
 * engine metrics as last probed, its recent history, and the models with each replica's share
 * of the requests routed over the history window. Built from the fleet's state, the routing
 * counts and the history; nothing here calls a backend.
 */
import { backendSource } from '../core/backend-url.js';
import type { BackendsResponse, ModelView, ReplicaSample, ReplicaView } from '../shared/api-contract.js';
import type { FleetHistory, HistorySample } from './upstream/fleet-history.js';
import { hitRate } from './upstream/fleet-history.js';
import { isDown, type FleetState, type ReplicaState } from './upstream/fleet-state.js';
import type { EngineMetrics } from './upstream/engine-metrics.js';
import { routedTotal, type RetryReason } from './upstream/replicas.js';
import type { RouteReason } from '../shared/backends-contract.js';
import type { RemovedReplica } from './removed-replicas.js';
import type { QueueState } from './fair-queue.js';

export interface FleetViewSource {
  readonly state: FleetState;
  readonly history: FleetHistory;
  /** The environment's backends (VLLM_BASE_URL): the others were added at run time. */
  readonly env: readonly string[];
  readonly intervalMs: number;
  readonly hungMs: number;
  /** Monotonic ms, the clock of the fleet's state. */
  readonly now?: () => number;
  /** Replicas removed at run time whose requests still run (listed `removed` until they end). */
  readonly removed?: readonly RemovedReplica[];
  /** The fair queue of a model that has slots set. */
  readonly queue?: (model: string) => QueueState | undefined;
}

/** A replica as /metrics shows it. */
export interface ReplicaSnapshot {
  readonly origin: string;
  /** It takes new requests: not in cooldown, hung or down. */
  readonly up: boolean;
  /** Ejected as hung. */
  readonly hung: boolean;
  /** This gateway's client calls running on it. */
  readonly inFlight: number;
  /** Relays this gateway routed to it since start, by how it was chosen. */
  readonly routedBy: ReadonlyMap<RouteReason, number>;
  /** Its answers to client requests since start, by status class (index 2 for 2xx …). */
  readonly answers: readonly number[];
  /** Calls tried again after it failed them, by why. */
  readonly retried: ReadonlyMap<RetryReason, number>;
  /** Removed at run time, its requests still running: only its count and its counters are shown. */
  readonly removed?: boolean;
  /** The engine's load as its last `/metrics` read said (undefined when unread or failing). */
  readonly engine?: Pick<EngineMetrics, 'running' | 'waiting' | 'kvCacheUsage'> | undefined;
}

const nul = (v: number | undefined): number | null => (v === undefined ? null : v);
const round = (v: number | undefined, digits = 4): number | null => (v === undefined ? null : Number(v.toFixed(digits)));

/** The replica's health and the reason it is not plainly up. */
export function healthOf(s: ReplicaState, now: number, hungMs: number): Pick<ReplicaView, 'health' | 'reason'> {
  const r = s.replica;
  // A replica its probes cannot reach is down, whatever cooldown its refused connections keep
  // renewing: a cooldown reads as a passing blip.
  if (isDown(s)) return { health: 'down', reason: s.problem ?? 'no answer' };
  if (r.answerCoolUntil > now && r.answerCoolUntil >= r.coolUntil) {
    const secs = Math.max(1, Math.ceil((r.answerCoolUntil - now) / 1000));
    const key = r.failedStatus === 401 || r.failedStatus === 403 ? ': it refuses the gateway\'s VLLM_API_KEY' : '';
    // Its probes succeed: they do not end this one.
    return {
      health: 'cooldown',
      reason: `answered ${r.failedAnswers} requests in a row with ${r.failedStatus} that another replica then served${key}; no new request for ${secs} s`,
    };
  }
  if (r.coolUntil > now) {
    const secs = Math.max(1, Math.ceil((r.coolUntil - now) / 1000));
    // The probe's own failure says why (a name that does not resolve: ENOTFOUND).
    const why = s.problem === undefined ? '' : ` (${s.problem})`;
    // Requests and probes both count, and the first probe answered ends the cooldown.
    return {
      health: 'cooldown',
      reason: `connection failed on ${r.failures} attempt${r.failures === 1 ? '' : 's'} in a row (requests and probes)${why}; no new request for ${secs} s, or until a probe is answered`,
    };
  }
  if (s.hung) {
    const secs = Math.round(Math.max(hungMs, now - s.progressAt) / 1000);
    return { health: 'hung', reason: `${s.metrics?.running ?? 0} request(s) running and no token generated for ${secs} s; no new requests until it moves` };
  }
  if (s.seenAt === undefined) return { health: 'starting', reason: 'not probed yet' };
  if (s.listingFailed || s.models === undefined) return { health: 'up', reason: s.problem ?? 'no model listing yet' };
  if (s.metricsFailed) return { health: 'up', reason: `${s.problem ?? 'no /metrics'} (never judged hung)` };
  if (s.probation) return { health: 'up', reason: 'was hung, and nothing runs on it now; one request at a time until it generates a token' };
  return { health: 'up', reason: null };
}

/** Health states that are not up: routing avoids such a replica while another of its model can take the request. */
const UNUSABLE: ReadonlySet<ReplicaView['health']> = new Set(['cooldown', 'hung', 'down', 'removed']);

/** True while the replica takes new requests: up, or not probed yet (in cooldown, hung or down it does not). */
export function inUse(health: ReplicaView['health']): boolean {
  return !UNUSABLE.has(health);
}

/** Per model listed, how many of its replicas take new requests now. */
export function modelReplicasUp(state: FleetState, hungMs: number, now: number = performance.now()): Array<{ readonly model: string; readonly up: number }> {
  return state.cards().map((c) => ({
    model: c.id,
    up: state.servers(c.id).filter((r) => inUse(healthOf(state.state(r), now, hungMs).health)).length,
  }));
}

/**
 * The models listed none of whose replicas is up (each in cooldown, hung or down): their requests
 * get 503 or wait on a replica that may not answer, while the other models are served. `/readyz`
 * reports them.
 */
export function modelsDown(state: FleetState, hungMs: number, now: number = performance.now()): string[] {
  return modelReplicasUp(state, hungMs, now).filter((m) => m.up === 0 && state.servers(m.model).length > 0).map((m) => m.model);
}

function queueView(q: QueueState | undefined): ModelView['queue'] {
  return q === undefined ? null : { waiting: q.waiting, running: q.running, capacity: q.capacity };
}

function wireSample(h: HistorySample): ReplicaSample {
  return {
    at: new Date(h.at).toISOString(),
    in_flight: h.inFlight,
    running: nul(h.running),
    waiting: nul(h.waiting),
    kv_cache_usage: round(h.kvCacheUsage),
    prefix_cache_hit_rate: round(h.prefixHitRate),
    routed: h.routed,
  };
}

/**
 * Requests routed to a replica since its oldest sample; none before its first one. A replica
 * removed and added again is a new replica: its counts and its history both start afresh.
 */
export function routedInWindow(history: readonly HistorySample[], routedNow: number): number {
  const first = history[0];
  return first === undefined ? 0 : routedNow - first.routed;
}

export function fleetView(src: FleetViewSource): BackendsResponse {
  const now = (src.now ?? (() => performance.now()))();
  const sourceOf = backendSource(src.env);
  const states = src.state.states();
  const windowRouted = new Map<string, number>();
  const replicas: ReplicaView[] = states.map((s) => {
    const r = s.replica;
    const history = src.history.of(r.origin);
    const routed = routedTotal(r);
    windowRouted.set(r.origin, routedInWindow(history, routed));
    const m = s.metricsFailed ? undefined : s.metrics;
    const first = history[0];
    const windowRate = first === undefined ? undefined : hitRate(first.prefixHits, first.prefixQueries, m?.prefixCacheHits, m?.prefixCacheQueries);
    const lifetime = hitRate(0, 0, m?.prefixCacheHits, m?.prefixCacheQueries);
    return {
      url: r.origin,
      source: sourceOf(r.origin),
      models: (s.models ?? []).map((c) => c.id),
      ...healthOf(s, now, src.hungMs),
      in_flight: r.outstanding,
      running: nul(m?.running),
      waiting: nul(m?.waiting),
      kv_cache_usage: round(m?.kvCacheUsage),
      prefix_cache_hit_rate: round(history.length >= 2 && windowRate !== undefined ? windowRate : lifetime),
      routed,
      last_seen_seconds: s.seenAt === undefined ? null : Math.max(0, Math.round((now - s.seenAt) / 1000)),
      history: history.map(wireSample),
    };
  });
  for (const { replica: r, models, inFlight } of src.removed ?? []) {
    replicas.push({
      url: r.origin,
      source: sourceOf(r.origin),
      models: [...models],
      health: 'removed',
      reason: `removed: ${inFlight} request(s) still running on it get no new ones; it leaves this list when they end`,
      in_flight: inFlight,
      running: null,
      waiting: null,
      kv_cache_usage: null,
      prefix_cache_hit_rate: null,
      routed: routedTotal(r),
      last_seen_seconds: null,
      history: [],
    });
  }
  const models: ModelView[] = src.state.cards().map((card) => {
    const servers = src.state.servers(card.id);
    const total = servers.reduce((n, r) => n + (windowRouted.get(r.origin) ?? 0), 0);
    return {
      id: card.id,
      replicas: servers.map((r) => ({ url: r.origin, routing_share: total === 0 ? null : round((windowRouted.get(r.origin) ?? 0) / total) })),
      queue: queueView(src.queue?.(card.id)),
    };
  });
  return { interval_seconds: src.intervalMs / 1000, history_size: src.history.size, replicas, models };
}
