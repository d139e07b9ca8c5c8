/**
 * The backend replicas, their health, and the routing seam. Health: a replica that refused a
 * connection (or did not connect in time) sits out a cooldown, 1 s doubling per consecutive
 * failure up to 30 s; any response makes it healthy at once. A replica whose failing answers
 * (an engine error, a refusal of the gateway's key) another replica then served three times in
 * a row sits out a cooldown of its own, 5 s doubling up to 30 s, which its health probes do not
 * end (they still succeed); a good answer does. Routing: a `PickReplica` policy
 * chooses the replica of each attempt from what the call says about itself (`CallFacts`); the
 * default sends it to the healthy replica with the fewest requests in flight.
 */
import type { Pool } from 'undici';
import type { JsonObject } from '../../core/json.js';
import type { Endpoint, RequestFacts } from '../context.js';
import type { RouteReason } from '../../shared/backends-contract.js';
import type { RouteHints } from './route-hints.js';

/** One backend replica and the requests currently running on it. */
export interface Replica {
  readonly origin: string;
  readonly pool: Pool;
  /** Client calls in flight on this replica, the gateway's own probes aside (counted by upstream/call.ts). */
  outstanding: number;
  /** Consecutive connection failures (0 = healthy). */
  failures: number;
  /** While `now()` is below this, the replica is skipped if another one is available. */
  coolUntil: number;
  /** Consecutive failing answers (`failingAnswer`) to client requests that another replica then served. */
  failedAnswers: number;
  /** While `now()` is below this, after a run of such answers, the replica is skipped like a cooling one. */
  answerCoolUntil: number;
  /** The status of the last of them. */
  failedStatus: number;
  /** Answers to client requests since start, by status class: index 1 for 1xx … 5 for 5xx. */
  readonly answers: number[];
  /** Calls tried again after this replica failed them, by why (`worv_proxy_upstream_retries_total`). */
  readonly retried: Map<RetryReason, number>;
  /**
   * Relays the routing sent here, by how it chose this replica. Kept on the replica: one removed
   * and added again is a new replica, whose counts start at 0.
   */
  readonly routedBy: Map<RouteReason, number>;
  /** Client requests sent to it that have not passed a byte on yet (upstream/call.ts). */
  readonly waiting: Set<Rescuable>;
  /** Sequences of fair-queue slots placed here and not given back (the routing keeps it within their cap). */
  queued: number;
}

/** A request's slots in the fair queue (data-plane/fair-queue.ts), which the routing places on a replica. */
export interface QueueSlot {
  readonly sequences: number;
  /** The model's slots per replica: a replica whose placed sequences would pass it is passed over while another has room. */
  readonly cap: number;
  /** The replica they are counted on (the latest pick). */
  replica: Replica | undefined;
  /** Given back (the request is over): a later pick places nothing. */
  released: boolean;
}

/** Gives a slot's sequences back to its replica, once. */
export function releaseSlot(slot: QueueSlot): void {
  if (slot.released) return;
  slot.released = true;
  if (slot.replica !== undefined) slot.replica.queued -= slot.sequences;
}

/**
 * Why a call was tried again: a retryable answer (429, 503, the replica's own failure), no
 * connection, a connection closed before any byte, or its replica fell silent or was ejected as
 * hung while it waited.
 */
export type RetryReason = 'status' | 'connect' | 'closed' | 'silent' | 'hung';

/** How a replica stopped serving the requests waiting on it. */
export type Stopped = 'silent' | 'hung';

/** A request waiting on a replica for its first byte, which may be sent to another one instead. */
export interface Rescuable {
  rescue(why: Stopped): void;
}

/** What a call tells the routing policy about itself. */
export interface CallFacts {
  /** relay: a client's /v1 request; the others are the gateway's own calls. */
  readonly purpose: 'relay' | 'models' | 'tokenize' | 'probe';
  readonly endpoint: Endpoint | undefined;
  /** Parsed facts of a shaped request (model, stream, …); undefined for opaque bodies. */
  readonly request?: RequestFacts | undefined;
  /** The body as sent upstream, when the gateway parsed it (shaped endpoints). */
  readonly body?: Readonly<JsonObject> | undefined;
  /** What the fleet's routing reads (model, session, prefix key, previous response). */
  readonly route?: RouteHints | undefined;
  /** The request's fair-queue slots, when it holds some. */
  readonly slot?: QueueSlot | undefined;
}

/**
 * A routing policy: the replica for the next attempt. `avoid` is the replica whose attempt just
 * failed (a retry goes elsewhere when there is somewhere else); `now` is monotonic ms. Undefined
 * only for a retry with nowhere worth going: the call ends with the failure it had.
 */
export type PickReplica = (replicas: readonly Replica[], call: CallFacts, avoid: Replica | undefined, now: number) => Replica | undefined;

/**
 * Whether a backend answer with this status, before any byte of its body was relayed, may be
 * tried once more on another replica (e.g. a 503 or 429 from an overloaded engine). The
 * default declares none: a status is the backend's answer and is passed through.
 */
export type RetryableStatus = (status: number, call: CallFacts) => boolean;

export const noRetryableStatus: RetryableStatus = () => false;

/** Default policy: the healthy replica with the fewest attempts in flight; cooling ones last. */
export const leastInFlight: PickReplica = (replicas, _call, avoid, now) => {
  const first = replicas[0] as Replica;
  if (replicas.length === 1) return first;
  let best: Replica | undefined;
  let fallback: Replica | undefined;
  for (const r of replicas) {
    if (r === avoid) continue;
    if (cooledUntil(r) > now) {
      if (fallback === undefined || cooledUntil(r) < cooledUntil(fallback)) fallback = r;
    } else if (best === undefined || r.outstanding < best.outstanding) best = r;
  }
  return best ?? fallback ?? first;
};

const COOLDOWN_MS = 1000;
export const MAX_COOLDOWN_MS = 30_000;

/** Until when the replica is skipped while another is available: either cooldown. */
export function cooledUntil(r: Replica): number {
  return Math.max(r.coolUntil, r.answerCoolUntil);
}

/** A connection to `replica` could not be made: cool it down. */
export function markFailed(replica: Replica, now: number): void {
  replica.failures++;
  replica.coolUntil = now + Math.min(MAX_COOLDOWN_MS, COOLDOWN_MS * 2 ** (replica.failures - 1));
}

/** `replica` answered: healthy again. */
export function markOk(replica: Replica): void {
  replica.failures = 0;
  replica.coolUntil = 0;
}

/**
 * An answer that may be the replica's own failure rather than the request's: an engine or proxy
 * error (500, 502) or a refusal of the gateway's own key (401, 403). Tried once on another
 * replica. A 4xx about the request is the client's; 429 and 503 are load; a 504 is a timeout
 * a retry would wait out again.
 */
export function failingAnswer(status: number): boolean {
  return status === 500 || status === 502 || status === 401 || status === 403;
}

/** Failing answers in a row, each served by another replica, before the replica sits out a cooldown. */
const FAILED_ANSWERS_COOL = 3;
const ANSWER_COOLDOWN_MS = 5000;

/** A failing answer of an earlier attempt of the same request. */
export interface FailedAttempt {
  readonly replica: Replica;
  readonly status: number;
}

/**
 * `replica` answered a client's request with `status`; `before`: the failing answer that sent
 * the request here. A failing answer counts against its replica only once another replica served
 * the same request: when both fail, the request is the likely cause (a poison prompt retried by
 * its SDK must not take every replica of its model out). A good answer ends a replica's run.
 */
export function markAnswer(replica: Replica, status: number, before: FailedAttempt | undefined, now: number): void {
  replica.answers[Math.min(5, Math.floor(status / 100))]!++;
  if (failingAnswer(status)) return;
  replica.failedAnswers = 0;
  replica.answerCoolUntil = 0;
  if (before === undefined || before.replica === replica) return;
  const r = before.replica;
  r.failedAnswers++;
  r.failedStatus = before.status;
  const over = r.failedAnswers - FAILED_ANSWERS_COOL;
  if (over >= 0) r.answerCoolUntil = now + Math.min(MAX_COOLDOWN_MS, ANSWER_COOLDOWN_MS * 2 ** over);
}

/** Relays routed to `replica` since it was added (the sum of its `routedBy`). */
export function routedTotal(replica: Replica): number {
  let n = 0;
  for (const c of replica.routedBy.values()) n += c;
  return n;
}
