/**
 * The one way to call a backend. One keep-alive undici Pool per replica (created once at
 * start-up); every call (the relay, GET /v1/models, the /tokenize estimate, the backend probe)
 * goes through `dispatch` or `fetch`, so all of them pick the replica by the same policy, count
 * it in flight, mark its health and retry a failed connection once before the first byte
 * (upstream/call.ts). Timeouts are kept on native timers, so they fire on time.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Pool, type Dispatcher, type buildConnector } from 'undici';
import type { BackendCall, CallHost } from './backend-call.js';
import { UpstreamCall } from './call.js';
import { preciseConnector } from './connector.js';
import { leastInFlight, markAnswer, markFailed, markOk, noRetryableStatus, type CallFacts, type PickReplica, type Replica, type RetryableStatus, type Stopped } from './replicas.js';

export type { Replica } from './replicas.js';

export interface UpstreamOptions {
  readonly backends: readonly string[];
  readonly connectTimeoutMs: number;
  /** Replaces the TCP connector (tests use it to inject connection failures). */
  readonly connector?: buildConnector.connector;
  /** Monotonic milliseconds (tests inject one). */
  readonly now?: () => number;
  /** The routing policy (default: fewest in flight among the healthy replicas). */
  readonly pickReplica?: PickReplica;
  /** Answers that may be tried once more elsewhere before any byte (default: none). */
  readonly retryableStatus?: RetryableStatus;
  /**
   * Whether a connection the backend closed cleanly before any response byte may be tried once
   * more elsewhere (default: never, the backend may be generating). The fleet's routing allows
   * it when another replica of the model can take the request: a replica that died mid-load.
   */
  readonly retryableClose?: (facts: CallFacts) => boolean;
  /** Wraps the caller's handler of each call (the fleet's routing learns response ids this way). */
  readonly observe?: (facts: CallFacts, handler: Dispatcher.DispatchHandler) => Dispatcher.DispatchHandler;
  /** A replica answered a client's call (or a model listing) 401/403: it refuses the gateway's own key. */
  readonly onRefusedKey?: (origin: string, status: number) => void;
}

/** A whole response, for the gateway's own small calls. */
export interface WholeResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface Upstream {
  /** The replicas in use now (a fresh array after each change; never mutated). */
  readonly replicas: readonly Replica[];
  /**
   * Uses exactly `origins` from now on: new ones get a pool, removed ones get no new request
   * and their pools close once their requests in flight have finished. Keeps order and state.
   */
  setBackends(origins: readonly string[]): { readonly added: readonly Replica[]; readonly removed: readonly Replica[] };
  /** Sends `call`; the response goes to `handler` (undici's handler interface). */
  dispatch(call: BackendCall, handler: Dispatcher.DispatchHandler): void;
  /**
   * Sends `call` and reads its whole answer; rejects with the upstream error, or with a
   * timeout error when `deadlineMs` is given and the whole exchange takes longer.
   */
  fetch(call: BackendCall, deadlineMs?: number): Promise<WholeResponse>;
  /** The replica the policy picks for a call with no facts; never `avoid` when there are others (undefined: nowhere worth retrying). */
  pick(avoid?: Replica): Replica | undefined;
  /** A connection to `replica` could not be made: cool it down. */
  markFailed(replica: Replica): void;
  /** `replica` answered: healthy again. */
  markOk(replica: Replica): void;
  /** `replica` stopped answering (silent) or generating (hung): its requests still waiting for a first byte go to another replica when one can take them. */
  rescue(replica: Replica, why: Stopped): void;
  close(): Promise<void>;
}

/** Idle sockets are closed before uvicorn's 5 s keep-alive does, so a reused socket is rarely stale. */
const KEEP_ALIVE_MS = 4000;

const NO_FACTS: CallFacts = Object.freeze({ purpose: 'probe', endpoint: undefined });

function abortLate(h: WholeHandler, c: Dispatcher.DispatchController): void {
  const err = Object.assign(new Error('deadline exceeded'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
  // Settled now, even while a connection is still being made (it cannot be cancelled midway).
  h.reject(err);
  c.abort(err);
}

/** Collects a whole response for `fetch`. */
class WholeHandler implements Dispatcher.DispatchHandler {
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  readonly #chunks: Buffer[] = [];
  #deadline: NodeJS.Timeout | undefined;
  constructor(
    readonly resolve: (r: WholeResponse) => void,
    readonly reject: (err: Error) => void,
    readonly deadlineMs: number | undefined,
  ) {}
  onRequestStart(c: Dispatcher.DispatchController): void {
    if (this.deadlineMs !== undefined) this.#deadline = setTimeout(abortLate, this.deadlineMs, this, c);
  }
  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    this.#status = status;
    this.#headers = headers;
  }
  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#chunks.push(chunk);
  }
  onResponseEnd(): void {
    clearTimeout(this.#deadline);
    this.resolve({ status: this.#status, headers: this.#headers, body: Buffer.concat(this.#chunks) });
  }
  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    clearTimeout(this.#deadline);
    this.reject(err);
  }
}

export function createUpstream(opts: UpstreamOptions): Upstream {
  const connect = preciseConnector(opts.connectTimeoutMs, opts.connector);
  const replicaOf = (origin: string): Replica => ({
    origin,
    outstanding: 0,
    failures: 0,
    coolUntil: 0,
    failedAnswers: 0,
    answerCoolUntil: 0,
    failedStatus: 0,
    answers: [0, 0, 0, 0, 0, 0],
    retried: new Map(),
    routedBy: new Map(),
    queued: 0,
    waiting: new Set(),
    pool: new Pool(origin, {
      connect,
      keepAliveTimeout: KEEP_ALIVE_MS,
      // Read timeouts are kept per call (upstream/call.ts).
      headersTimeout: 0,
      bodyTimeout: 0,
    }),
  });
  let replicas: readonly Replica[] = opts.backends.map(replicaOf);
  if (replicas.length === 0) throw new Error('at least one backend is required');
  /** Removed replicas whose pools are still closing (their requests in flight finish). */
  const closing = new Set<Promise<void>>();
  const now = opts.now ?? (() => performance.now());
  const policy = opts.pickReplica ?? leastInFlight;
  const retryable = opts.retryableStatus ?? noRetryableStatus;
  const host: CallHost = {
    choose: (call, avoid) => policy(replicas, call.facts, avoid, now()),
    failed: (replica) => markFailed(replica, now()),
    answered: (replica, status, call, before) => {
      if (replica.failures !== 0) markOk(replica);
      // Only client requests judge the answers: the probes succeed on a replica whose engine died.
      if (call.facts.purpose === 'relay') markAnswer(replica, status, before, now());
      if ((status === 401 || status === 403) && call.facts.purpose !== 'probe') opts.onRefusedKey?.(replica.origin, status);
    },
    retryableStatus: (status, call) => retryable(status, call.facts),
    retryableClose: (call) => opts.retryableClose?.(call.facts) === true,
    retrying: (replica, why) => {
      if (replica !== undefined) replica.retried.set(why, (replica.retried.get(why) ?? 0) + 1);
    },
  };
  const dispatch = (call: BackendCall, handler: Dispatcher.DispatchHandler): void => {
    new UpstreamCall(host, call, opts.observe === undefined ? handler : opts.observe(call.facts, handler)).start();
  };
  return {
    get replicas() {
      return replicas;
    },
    setBackends(origins) {
      const byOrigin = new Map(replicas.map((r) => [r.origin, r]));
      const next = [...new Set(origins)].map((o) => byOrigin.get(o) ?? replicaOf(o));
      if (next.length === 0) throw new Error('at least one backend is required');
      const kept = new Set(next);
      const added = next.filter((r) => !byOrigin.has(r.origin));
      const removed = replicas.filter((r) => !kept.has(r));
      replicas = next;
      for (const r of removed) {
        // Pool.close waits for the requests already dispatched to it, then ends its sockets.
        const p = r.pool.close().catch(() => undefined).finally(() => closing.delete(p));
        closing.add(p);
      }
      return { added, removed };
    },
    dispatch,
    fetch: (call, deadlineMs) => new Promise((resolve, reject) => dispatch(call, new WholeHandler(resolve, reject, deadlineMs))),
    pick: (avoid) => policy(replicas, NO_FACTS, avoid, now()),
    markFailed: (replica) => markFailed(replica, now()),
    markOk,
    rescue(replica, why) {
      for (const call of [...replica.waiting]) call.rescue(why);
    },
    async close() {
      await Promise.all([...replicas.map((r) => r.pool.close()), ...closing]);
    },
  };
}
