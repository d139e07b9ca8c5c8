/**
 * The fleet's routing policy (the `PickReplica` of upstream/replicas.ts), within the replicas
 * that serve the request's model and are usable (not hung, not silent to the health probe, not
 * cooling down after a refused connection or failing answers, not the one whose attempt just
 * failed), in this order:
 *   1. `previous_response_id` → the replica that produced that response;
 *   2. a session identity → consistent hashing with bounded load (a replica above
 *      `loadFactor` × the mean in flight passes new requests on);
 *   3. a prefix key (hash of the leading prompt) → the same, on the prefix;
 *   4. otherwise the fewest requests in flight.
 * An engine's queue-full answer (429 or 503 before any byte), a failing answer (500, 502, 401,
 * 403) and a 404 for a model the replica listed are retried once on another usable replica.
 */
import type { Dispatcher } from 'undici';
import type { RouteReason } from '../../shared/backends-contract.js';
import { leastLoaded, Ring, ringPosition } from './bounded-hash.js';
import { isDown, type FleetState } from './fleet-state.js';
import { cooledUntil, failingAnswer, type CallFacts, type PickReplica, type QueueSlot, type Replica, type RetryableStatus } from './replicas.js';
import type { RouteHints } from './route-hints.js';

/** Responses remembered for `previous_response_id` (oldest forgotten first). */
const RESPONSE_MEMORY = 100_000;

export interface FleetRouting {
  readonly pick: PickReplica;
  readonly retryableStatus: RetryableStatus;
  /** A relay whose replica closed the connection before answering may go to another usable one. */
  readonly retryableClose: (facts: CallFacts) => boolean;
  /** Wraps a relay's handler to learn which replica produced a Responses API response id. */
  readonly observe: (facts: CallFacts, handler: Dispatcher.DispatchHandler) => Dispatcher.DispatchHandler;
  /**
   * How the routing chose `origin` for a relay: the reason of its latest pick, if that pick was
   * this replica (a retry picked but never sent, the client gone, leaves the one that was).
   */
  readonly routeOf: (facts: CallFacts, origin: string | undefined) => RouteReason | undefined;
}

export type { RouteReason };

interface Choice {
  readonly replica: Replica;
  readonly reason: RouteReason;
}

export interface FleetRoutingOptions {
  readonly state: FleetState;
  /** 1.25: a replica may carry up to 1.25 × the mean in flight before sessions move on. */
  readonly loadFactor: number;
  /** Up to this many in flight (the new request counted), a replica of `model` keeps its sessions whatever the mean. */
  readonly hold: (model: string | undefined) => number;
  /** false: the fewest in flight only (session, prefix and previous response ignored). */
  readonly affinity: boolean;
}

function hintsOf(facts: CallFacts): RouteHints | undefined {
  return facts.route;
}

const load = (r: Replica): number => r.outstanding;

/** The fewest in flight, among those with room for the request's fair-queue slots when there are any (`list` is never empty). */
const fewestInFlight = (list: readonly Replica[], full: (r: Replica) => boolean): Replica => leastLoaded(list, load, full) as Replica;

const NEVER = (): boolean => false;

/** A replica the request's fair-queue slots would take past their cap. */
function fullFor(slot: QueueSlot | undefined): (r: Replica) => boolean {
  return slot === undefined ? NEVER : (r) => r !== slot.replica && r.queued + slot.sequences > slot.cap;
}

export function createFleetRouting(o: FleetRoutingOptions): FleetRouting {
  const responses = new Map<string, Replica>();
  /** Each relay's latest pick: the replica of its latest attempt (the producer of its response) and why. */
  const chosen = new WeakMap<CallFacts, Choice>();
  const rings = new Map<string, Ring<Replica>>();
  const count = ({ replica, reason }: Choice): void => {
    replica.routedBy.set(reason, (replica.routedBy.get(reason) ?? 0) + 1);
  };

  // A replica whose engine queues (as last probed) is busy whatever its count here: other
  // gateways and clients load it too. It keeps its sessions only within the mean's bound.
  const engineQueues = (r: Replica): boolean => (o.state.state(r).metrics?.waiting ?? 0) > 0;

  const ringOf = (members: readonly Replica[]): Ring<Replica> => {
    const key = members.map((r) => r.origin).join(' ');
    let ring = rings.get(key);
    // The same origins may be new replicas (a backend removed and added again has a new pool):
    // a ring of the old ones would route to a closed pool.
    if (ring !== undefined && !ring.members.every((m, i) => m === members[i])) ring = undefined;
    if (ring === undefined) {
      if (rings.size > 64) rings.clear();
      ring = new Ring(members, (r) => r.origin);
      rings.set(key, ring);
    }
    return ring;
  };

  /** The replicas of the request's model (all of them when the model is unknown). */
  const candidates = (replicas: readonly Replica[], hints: RouteHints | undefined): readonly Replica[] => {
    const model = hints?.model;
    if (model === undefined) return replicas;
    const servers = o.state.servers(model);
    return servers.length > 0 ? servers : replicas;
  };

  /** Judged unable to take a request by the probe: hung, or down (no answer, or only error answers). */
  const ejected = (r: Replica): boolean => {
    const s = o.state.state(r);
    return s.hung || isDown(s);
  };

  /** On probation after a hang: one request at a time until it generates again. */
  const busyOnProbation = (r: Replica): boolean => r.outstanding > 0 && o.state.state(r).probation;

  const usable = (list: readonly Replica[], avoid: Replica | undefined, now: number): Replica[] =>
    list.filter((r) => r !== avoid && cooledUntil(r) <= now && !ejected(r) && !busyOnProbation(r));

  /**
   * How soon a replica the routing cannot use would answer a request: 0 only cooling down after
   * a refused connection (or on probation, busy); 1 judged down by probes it answers with
   * errors (its server answers, and may serve); 2 silent and refusing connections (a request
   * fails at once: 503); 3 hung, or silent and accepting connections (a wedged engine, a
   * stopped process: a request waits there for the read timeout).
   */
  const fallbackRank = (r: Replica): number => {
    const s = o.state.state(r);
    if (!s.hung && !isDown(s)) return 0;
    if (!s.silent && !s.hung) return 1;
    return s.refused ? 2 : 3;
  };

  /**
   * With nothing usable: the replica that answers soonest (lowest rank; the one back soonest
   * among the cooling, else the least loaded). A retry goes only where a request may be served
   * (ranks 0 and 1), else nowhere: undefined, and the call ends with the failure it had.
   */
  const fallback = (list: readonly Replica[], avoid: Replica | undefined): Replica | undefined => {
    let best: Replica | undefined;
    let bestRank = 4;
    for (const r of list) {
      if (r === avoid) continue;
      const rank = fallbackRank(r);
      if (avoid !== undefined && rank >= 2) continue;
      const better = best === undefined || rank < bestRank || (rank === bestRank && (rank === 0 ? cooledUntil(r) < cooledUntil(best) : r.outstanding < best.outstanding));
      if (better) {
        best = r;
        bestRank = rank;
      }
    }
    return best;
  };

  const choose = (list: readonly Replica[], hints: RouteHints | undefined, full: (r: Replica) => boolean): Choice => {
    if (!o.affinity) return { replica: fewestInFlight(list, full), reason: 'least_in_flight' };
    const prev = hints?.previousResponseId;
    if (prev !== undefined) {
      const r = responses.get(prev);
      if (r !== undefined && list.includes(r)) return { replica: r, reason: 'previous_response' };
    }
    const session = hints?.session;
    const key = session ?? (hints?.prefix !== undefined ? `prefix:${hints.prefix}` : undefined);
    if (key !== undefined) {
      const own: RouteReason = session !== undefined ? 'session' : 'prefix';
      // The only usable replica is the key's own among them: no ring to walk.
      if (list.length === 1) return { replica: list[0] as Replica, reason: own };
      const ring = ringOf(list);
      const pos = ringPosition(key);
      // A replica that runs its fair-queue slots is passed over (the queue keeps the model's total within them, this each replica's).
      const r = ring.pick(pos, load, o.loadFactor, o.hold(hints?.model), engineQueues, full);
      if (r !== undefined) return { replica: r, reason: r !== ring.home(pos) ? 'spilled' : own };
    }
    return { replica: fewestInFlight(list, full), reason: 'least_in_flight' };
  };

  /** The replica of the next attempt among the model's, and why; undefined when none is worth it. */
  const place = (list: readonly Replica[], facts: CallFacts, avoid: Replica | undefined, now: number): Choice | undefined => {
    // One replica for the model: it takes the request whatever its state, and the retry too.
    if (list.length === 1) return { replica: list[0] as Replica, reason: 'only' };
    const ok = usable(list, avoid, now);
    if (ok.length > 0) return choose(ok, hintsOf(facts), fullFor(facts.slot));
    const r = fallback(list, avoid);
    return r === undefined ? undefined : { replica: r, reason: 'fallback' };
  };

  const pick: PickReplica = (replicas, facts, avoid, now) => {
    const hints = hintsOf(facts);
    const choice = place(candidates(replicas, hints), facts, avoid, now);
    if (choice === undefined) return undefined;
    const slot = facts.slot;
    if (slot !== undefined && !slot.released) {
      // The slots move with the request: a retry's replica counts them, the failed one no longer.
      if (slot.replica !== undefined) slot.replica.queued -= slot.sequences;
      slot.replica = choice.replica;
      choice.replica.queued += slot.sequences;
    }
    if (facts.purpose === 'relay') {
      chosen.set(facts, choice);
      // A retry on the replica that just failed it (the model's only one) is the same pick.
      if (choice.replica !== avoid) count(choice);
    }
    return choice.replica;
  };

  /** Another usable replica of the relay's model could take it. */
  const elsewhere = (facts: CallFacts): boolean => {
    if (facts.purpose !== 'relay') return false;
    const hints = hintsOf(facts);
    const list = candidates(o.state.states().map((s) => s.replica), hints);
    return usable(list, chosen.get(facts)?.replica, performance.now()).length > 0;
  };

  /**
   * Tried once on another usable replica of the model, before any byte: load (429, 503) and the
   * replica's own failures (an engine error, a refusal of the gateway's key). A 404 from a
   * replica whose listing has the request's model says the listing is stale (another model now
   * runs at that address): it is read again at once, and the request tried elsewhere.
   */
  const retryableStatus: RetryableStatus = (status, facts) => {
    if (status === 404) {
      const model = hintsOf(facts)?.model;
      const replica = chosen.get(facts)?.replica;
      if (model === undefined || replica === undefined || facts.endpoint === 'other' || !o.state.servers(model).includes(replica)) return false;
      if (!o.state.relist(replica)) return false;
    } else if (status !== 429 && status !== 503 && !failingAnswer(status)) return false;
    return elsewhere(facts);
  };

  const remember = (id: string, replica: Replica): void => {
    responses.delete(id);
    responses.set(id, replica);
    if (responses.size > RESPONSE_MEMORY) responses.delete(responses.keys().next().value as string);
  };

  return {
    pick,
    retryableStatus,
    retryableClose: elsewhere,
    observe: (facts, handler) => {
      if (facts.purpose !== 'relay' || facts.endpoint !== 'responses') return handler;
      return new ResponseIdCatcher(handler, () => chosen.get(facts)?.replica, remember);
    },
    routeOf: (facts, origin) => {
      const c = chosen.get(facts);
      return c !== undefined && c.replica.origin === origin ? c.reason : undefined;
    },
  };
}

/** `"id":"resp_…"` in the first bytes of a Responses body or stream. */
const RESPONSE_ID = /"id"\s*:\s*"(resp_[^"\\]{1,200})"/;
/** The id comes within the first event / the first members; look no further than this. */
const SCAN_BYTES = 4096;

/** A handler decorator that reads the response id from the first bytes, passing everything on. */
class ResponseIdCatcher implements Dispatcher.DispatchHandler {
  #seen = '';
  #done = false;
  constructor(
    private readonly inner: Dispatcher.DispatchHandler,
    private readonly producer: () => Replica | undefined,
    private readonly remember: (id: string, replica: Replica) => void,
  ) {}

  onRequestStart(c: Dispatcher.DispatchController, ctx: unknown): void {
    this.inner.onRequestStart?.(c, ctx);
  }
  onRequestUpgrade(c: Dispatcher.DispatchController, status: number, headers: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>[2], socket: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>[3]): void {
    this.inner.onRequestUpgrade?.(c, status, headers, socket);
  }
  onResponseStart(c: Dispatcher.DispatchController, status: number, headers: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>[2], message?: string): void {
    this.#done = status !== 200;
    this.inner.onResponseStart?.(c, status, headers, message);
  }
  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#done) {
      this.#seen += chunk.toString('latin1', 0, Math.min(chunk.length, SCAN_BYTES));
      const m = RESPONSE_ID.exec(this.#seen);
      if (m !== null) {
        const replica = this.producer();
        // A copy: the match is a slice of `#seen` (up to 4 KiB), which it would keep alive in the
        // map for as long as the id is remembered.
        if (replica !== undefined) this.remember(Buffer.from(m[1] as string, 'latin1').toString('latin1'), replica);
        this.#done = true;
      } else if (this.#seen.length >= SCAN_BYTES) this.#done = true;
    }
    this.inner.onResponseData?.(c, chunk);
  }
  onResponseEnd(c: Dispatcher.DispatchController, trailers: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseEnd']>>[1]): void {
    this.inner.onResponseEnd?.(c, trailers);
  }
  onResponseError(c: Dispatcher.DispatchController, err: Error): void {
    this.inner.onResponseError?.(c, err);
  }
}
