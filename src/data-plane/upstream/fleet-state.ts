/**
 * What the gateway knows about each replica, kept current by one loop: every health interval
 * it reads each replica's `GET /metrics` (engine load and progress) and, every models interval
 * or sooner after a failure, its `GET /v1/models` (the models it serves, with max_model_len).
 * Both go through the one upstream client pinned to the replica, so an answer also ends a
 * connection cooldown: a replica that comes back is taken back at the next probe.
 *
 * A hung engine: requests running and the generation-token counter unchanged for `hungMs`
 * since a probe last saw it move. It is ejected (no new request; those waiting there for a first
 * byte go to another replica) at that moment, between probes, until the counter moves again or
 * nothing runs; when nothing runs and the counter has not moved, it is on probation: one request
 * at a time until it generates again.
 *
 * A silent replica: its last probe got no answer at all, neither to `GET /metrics` nor to the
 * `GET /v1/models` asked right after (timed out, reset, refused; a status such as 404 is an
 * answer). A stopped process or a wedged API server still accepts connections, so nothing else
 * notices it; it gets no new request until a probe is answered. Each replica is probed on its own.
 */
import type { Upstream } from './client.js';
import { parseEngineMetrics, type EngineMetrics } from './engine-metrics.js';
import { cardsOf, indexOf, NO_REPLICAS, type FleetIndex, type ModelCard } from './model-listings.js';
import { codeOf, ProbeFailure, problemOf } from './probe-failure.js';
import type { CallFacts, Replica } from './replicas.js';

const PROBE_FACTS: CallFacts = Object.freeze({ purpose: 'probe', endpoint: undefined });

export interface ReplicaState {
  readonly replica: Replica;
  /** Cards from the last listing that succeeded; undefined before the first. */
  models: readonly ModelCard[] | undefined;
  /** That listing's bytes as the replica sent them. */
  listing: Buffer | undefined;
  /** `now()` of the last listing attempt (0 = never, or due now). */
  listedAt: number;
  /** `now()` of the last listing read again after a 404 (`relist`), and whether that read is under way. */
  relistedAt: number;
  relisting: boolean;
  listingFailed: boolean;
  metrics: EngineMetrics | undefined;
  /** True when the last /metrics probe failed (no answer or not 200). */
  metricsFailed: boolean;
  /** The last /metrics probe got no answer at all (not even a status): no new request goes there. */
  silent: boolean;
  /** Silent because its connections are refused (its process is gone): a request there fails at once. */
  refused: boolean;
  /** Why the last probe failed, e.g. `GET /metrics: connect ECONNREFUSED` (undefined when it did not). */
  problem: string | undefined;
  /** `now()` of the last probe answered (undefined before any). */
  seenAt: number | undefined;
  /** Ejected as hung (requests running, no token generated for hungMs). */
  hung: boolean;
  /**
   * Was hung, and nothing runs on it any more (its clients gave up) without a token generated:
   * not trusted yet, it takes one request at a time until it generates again.
   */
  probation: boolean;
  /** Generation counter at the last change, and when it last changed (or nothing ran). */
  lastGeneration: number | undefined;
  /** KV-cache use at the last probe (a long prefill grows it, not the token counter). */
  lastKvUsage: number | undefined;
  progressAt: number;
}

/**
 * Down: its last probe got no answer at all (silent), or its probes were answered only with
 * errors (both /metrics and the listing, or the first probe): routing avoids it as it avoids a
 * hung one, and the health view says `down`.
 */
export function isDown(s: ReplicaState): boolean {
  return s.silent || (s.seenAt === undefined && s.problem !== undefined) || (s.metricsFailed && (s.listingFailed || s.models === undefined));
}

export interface FleetStateOptions {
  readonly upstream: Upstream;
  readonly headers: readonly string[];
  readonly timeoutMs: number;
  readonly healthIntervalMs: number;
  readonly modelsIntervalMs: number;
  readonly hungMs: number;
  readonly now?: () => number;
  /** Called after every probe round (the history of upstream/fleet-history.ts samples here). */
  readonly onRound?: () => void;
}

export interface FleetState {
  /** Resolves once every replica was probed once (whatever the outcome). */
  readonly ready: Promise<void>;
  state(replica: Replica): ReplicaState;
  readonly states: () => readonly ReplicaState[];
  /** True once some replica's model listing succeeded. */
  known(): boolean;
  /** Replicas whose last listing has `model` (any health). */
  servers(model: string): readonly Replica[];
  /** Every model listed, each id once, in replica order. */
  cards(): readonly ModelCard[];
  /** The card of `model`: the one with the smallest max_model_len its replicas list (else the first replica's). */
  card(model: string): ModelCard | undefined;
  /** The replicas with a listing list different models (a request's model picks its replicas); a base model and its LoRA adapters on every replica are not mixed. */
  mixed(): boolean;
  /** Runs one probe round now (tests; after a failure). */
  refresh(): Promise<void>;
  /** Probes these replicas now, outside the round (backends just added). */
  probe(replicas: readonly Replica[]): Promise<void>;
  /**
   * Reads the replica's listing again now (it answered 404 for a model it listed); false when it
   * was read again less than a health interval ago and still lists it (the 404 is the request's).
   */
  relist(replica: Replica): boolean;
  close(): void;
}

export function createFleetState(o: FleetStateOptions): FleetState {
  const now = o.now ?? (() => performance.now());
  // Weak: a replica removed at run time takes its state with it.
  const states = new WeakMap<Replica, ReplicaState>();
  const state = (replica: Replica): ReplicaState => {
    let s = states.get(replica);
    if (s === undefined) {
      s = { replica, models: undefined, listing: undefined, listedAt: 0, relistedAt: -Infinity, relisting: false, listingFailed: false, metrics: undefined, metricsFailed: false, silent: false, refused: false, problem: undefined, seenAt: undefined, hung: false, probation: false, lastGeneration: undefined, lastKvUsage: undefined, progressAt: now() };
      states.set(replica, s);
    }
    return s;
  };

  const get = (replica: Replica, path: string): Promise<Buffer | ProbeFailure> =>
    o.upstream
      .fetch({ method: 'GET', path, headers: [...o.headers], body: undefined, readTimeoutMs: o.timeoutMs, facts: PROBE_FACTS, replica }, o.timeoutMs)
      .then(
        (r) => (r.status === 200 ? r.body : new ProbeFailure(`GET ${path} answered ${r.status}`, true)),
        (err: unknown) => new ProbeFailure(`GET ${path}: ${problemOf(err)}`, false, codeOf(err) === 'ECONNREFUSED'),
      );

  /** Per replica, the ejection due `hungMs` after its last progress, while it stays stalled. */
  const ejections = new Map<ReplicaState, ReturnType<typeof setTimeout>>();

  /** A wedged engine would hold the requests waiting there for their read timeout (20 minutes by default). */
  const eject = (s: ReplicaState): void => {
    s.hung = true;
    o.upstream.rescue(s.replica, 'hung');
  };

  /** `t`: when the probe was sent, so its latency does not delay an ejection. */
  const judge = (s: ReplicaState, m: EngineMetrics, t: number): void => {
    const gen = m.generationTokens;
    const generated = gen === undefined || gen !== s.lastGeneration;
    // A prefill generates no token until it ends (minutes for a long prompt alone on a replica),
    // but each of its chunks takes more KV-cache blocks: a wedged engine takes none (blocks
    // freed are no sign of work: an abort frees them).
    const kv = m.kvCacheUsage;
    const prefilling = kv !== undefined && s.lastKvUsage !== undefined && kv > s.lastKvUsage;
    s.lastKvUsage = kv;
    if (generated || prefilling || m.running === undefined || m.running === 0) {
      // Idle after a hang with no token generated: the engine may still be wedged, and trusting
      // it would trap the next requests too. Only a generated token ends that.
      s.probation = !generated && (s.hung || s.probation);
      s.lastGeneration = gen;
      s.progressAt = t;
      s.hung = false;
      clearTimeout(ejections.get(s));
      ejections.delete(s);
      return;
    }
    if (s.hung || ejections.has(s)) return;
    const left = o.hungMs - (t - s.progressAt);
    if (left <= 0) {
      eject(s);
      return;
    }
    // Stalled: ejected `hungMs` after the last progress, not at the first probe after that
    // (which would add up to one more interval), unless a probe sees progress before.
    const since = s.progressAt;
    const timer = setTimeout(() => {
      ejections.delete(s);
      if (s.progressAt === since && !s.metricsFailed) eject(s);
    }, left);
    timer.unref();
    ejections.set(s, timer);
  };

  const probe = async (replica: Replica): Promise<void> => {
    const s = state(replica);
    const sentAt = now();
    const body = await get(replica, '/metrics');
    const failed = body instanceof ProbeFailure;
    const unanswered = failed && !body.answered;
    s.metricsFailed = failed;
    s.problem = failed ? body.message : undefined;
    if (!failed) {
      s.seenAt = now();
      const m = parseEngineMetrics(body.toString('utf8'));
      s.metrics = m;
      judge(s, m, sentAt);
    }
    const t = now();
    // No answer to /metrics: the listing says whether the replica answers at all (a proxy in
    // front of it may drop /metrics alone).
    const due = unanswered || s.listedAt === 0 || s.listingFailed || replica.failures > 0 || t - s.listedAt >= o.modelsIntervalMs;
    if (!due) {
      s.silent = false;
      s.refused = false;
      return;
    }
    s.listedAt = t;
    const listing = await get(replica, '/v1/models');
    const wasSilent = s.silent;
    s.silent = unanswered && listing instanceof ProbeFailure && !listing.answered;
    // Requests sent before it fell silent would wait there for the read timeout.
    if (s.silent && !wasSilent) o.upstream.rescue(replica, 'silent');
    s.refused = s.silent && (body as ProbeFailure).refused && (listing as ProbeFailure).refused;
    const cards = listing instanceof ProbeFailure ? undefined : cardsOf(listing);
    s.listingFailed = cards === undefined;
    if (listing instanceof ProbeFailure) s.problem = s.problem === undefined ? listing.message : `${s.problem}; ${listing.message}`;
    if (cards !== undefined && !(listing instanceof ProbeFailure)) {
      s.seenAt = now();
      s.models = cards;
      s.listing = listing;
      listings++;
    }
  };

  /** A probe that failed in an unforeseen way marks its replica; it never stops the rounds. */
  const probeSafely = (replica: Replica): Promise<void> =>
    probe(replica).catch((err: unknown) => {
      state(replica).problem = `probe failed: ${err instanceof Error ? err.message : String(err)}`;
    });
  /** Each replica's probe in flight: a replica that answers late holds up only its own next probe. */
  const probing = new WeakMap<Replica, Promise<void>>();
  const probeOnce = (replica: Replica): Promise<void> => {
    let p = probing.get(replica);
    if (p === undefined) {
      p = probeSafely(replica).finally(() => probing.delete(replica));
      probing.set(replica, p);
    }
    return p;
  };
  /**
   * Rounds overlap when a replica answers late: each samples (onRound) when its probes are over,
   * unless a later round already has, so the history keeps one sample per round, in order.
   */
  let rounds = 0;
  let sampled = 0;
  const sample = (n: number): void => {
    if (n <= sampled) return;
    sampled = n;
    o.onRound?.();
  };
  /** Every replica, the probes in flight joined: resolves when all have answered or failed. */
  const refresh = (): Promise<void> => {
    const n = ++rounds;
    return Promise.all(o.upstream.replicas.map(probeOnce)).then(() => sample(n));
  };
  /** The interval's round: the replicas whose last probe is over (a silent one is not waited for). */
  const round = (): Promise<void> => {
    const n = ++rounds;
    return Promise.all(o.upstream.replicas.filter((r) => !probing.has(r)).map(probeOnce)).then(() => sample(n));
  };
  // What requests ask of the listings (which replicas serve a model, its card, whether the fleet
  // is mixed), indexed once per change of a listing or of the replicas: lookups, not scans of
  // every replica's models, on every request.
  let listings = 0;
  let index: FleetIndex | undefined;
  const current = (): FleetIndex => {
    const replicas = o.upstream.replicas;
    if (index === undefined || index.replicas !== replicas || index.listings !== listings) index = indexOf(replicas, listings, (r) => state(r).models);
    return index;
  };

  const ready = refresh();
  const timer = setInterval(() => void round().catch(() => undefined), o.healthIntervalMs);
  timer.unref();

  return {
    ready,
    state,
    states: () => o.upstream.replicas.map(state),
    known: () => current().known,
    mixed: () => current().mixed,
    servers: (model) => current().servers.get(model) ?? NO_REPLICAS,
    cards: () => current().cards,
    card: (model) => current().card.get(model),
    refresh,
    probe: (replicas) => Promise.all(replicas.map(probeOnce)).then(() => undefined),
    relist: (replica) => {
      const s = state(replica);
      if (s.relisting) return true;
      const t = now();
      if (t - s.relistedAt < o.healthIntervalMs) return false;
      [s.relistedAt, s.relisting, s.listedAt] = [t, true, 0];
      // After a probe under way, which may have read the listing before.
      const under = probing.get(replica);
      void (under === undefined ? probeOnce(replica) : under.then(() => probeOnce(replica))).finally(() => (s.relisting = false));
      return true;
    },
    close: () => {
      clearInterval(timer);
      for (const t of ejections.values()) clearTimeout(t);
      ejections.clear();
    },
  };
}
