/**
 * The /api/backends contract (docs/admin-api.md): the backends in use, each replica's health,
 * engine metrics and recent history, and the models they serve. Re-exported by api-contract.ts.
 */
import { z } from 'zod';

/** `removed`: removed at run time, its requests still running (it gets no new ones). */
export const REPLICA_HEALTH = ['up', 'starting', 'down', 'hung', 'cooldown', 'removed'] as const;

/**
 * How the routing chose a relay's replica (docs/fleet.md): the model has `only` one; the one
 * that produced the `previous_response` id; the `session`'s or the prompt `prefix`'s own
 * replica among the usable ones; `spilled`: that replica was over its load bound, another took
 * it; `least_in_flight`: no affinity key (or affinity off); `fallback`: none was usable.
 */
export const ROUTES = ['only', 'previous_response', 'session', 'prefix', 'spilled', 'least_in_flight', 'fallback'] as const;
export type RouteReason = (typeof ROUTES)[number];
export type ReplicaHealth = (typeof REPLICA_HEALTH)[number];

/** One probe round's reading of a replica (oldest first in `history`). */
export const ReplicaSample = z.object({
  at: z.string(),
  in_flight: z.number().int(),
  running: z.number().nullable(),
  waiting: z.number().nullable(),
  kv_cache_usage: z.number().nullable(),
  /** Prefix-cache hits ÷ queries (tokens) since the previous sample; null when nothing was queried. */
  prefix_cache_hit_rate: z.number().nullable(),
  /** Requests this gateway routed to the replica since it started, or since the replica was added. */
  routed: z.number().int(),
});
export type ReplicaSample = z.infer<typeof ReplicaSample>;

export const ReplicaView = z.object({
  url: z.string(),
  /** `env`: from VLLM_BASE_URL; `added`: added at run time. */
  source: z.enum(['env', 'added']),
  models: z.array(z.string()),
  health: z.enum(REPLICA_HEALTH),
  /** Why it is not `up` (or what is odd about it); null when nothing is. */
  reason: z.string().nullable(),
  in_flight: z.number().int(),
  running: z.number().nullable(),
  waiting: z.number().nullable(),
  kv_cache_usage: z.number().nullable(),
  /** Over the history window (since start when the window saw no query). */
  prefix_cache_hit_rate: z.number().nullable(),
  routed: z.number().int(),
  /** Seconds since the replica last answered a probe; null before it ever did. */
  last_seen_seconds: z.number().nullable(),
  history: z.array(ReplicaSample),
});
export type ReplicaView = z.infer<typeof ReplicaView>;

export const ModelView = z.object({
  id: z.string(),
  /** Its replicas, with each one's share of the model's requests routed over the history window. */
  replicas: z.array(z.object({ url: z.string(), routing_share: z.number().nullable() })),
  /**
   * This gateway's fair queue for the model (PROXY_REPLICA_SLOTS): requests waiting, sequences
   * running through it and the most it may run now; null when the model has no slots set.
   */
  queue: z.object({ waiting: z.number().int(), running: z.number().int(), capacity: z.number().int() }).nullable(),
});
export type ModelView = z.infer<typeof ModelView>;

/** `GET /api/backends` answer. */
export const BackendsResponse = z.object({
  interval_seconds: z.number(),
  history_size: z.number().int(),
  replicas: z.array(ReplicaView),
  models: z.array(ModelView),
});
export type BackendsResponse = z.infer<typeof BackendsResponse>;

/** `POST /api/backends` answer (201). */
export const AddBackendResponse = z.object({ url: z.string(), source: z.enum(['env', 'added']) });
export type AddBackendResponse = z.infer<typeof AddBackendResponse>;

/** `DELETE /api/backends/{url}` answer. */
export const RemoveBackendResponse = z.object({ url: z.string(), removed: z.literal(true) });
export type RemoveBackendResponse = z.infer<typeof RemoveBackendResponse>;
