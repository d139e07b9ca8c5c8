// The simulator's public, test-facing interface (what createSimulator returns).

import type { Fault } from './faults.js';
import type { HoldInfo } from './holds.js';
import type { ResolvedOptions } from './options.js';
import type { Outcome, RecordedRequest } from './recorder.js';

/** Where the simulator listens. */
export interface ListenAddress {
  readonly port: number;
  /** e.g. `http://127.0.0.1:41234` (no trailing slash, no /v1). */
  readonly url: string;
}

export interface WaitOptions {
  /** Reject after this long; default 10 000 ms. */
  readonly timeoutMs?: number;
}

export interface FaultOptions {
  /** Apply to this many requests, then clear; default: until clearFaults(). */
  readonly times?: number;
  /** Only requests whose path starts with one of these; default: every path. */
  readonly paths?: readonly string[];
}

/** Events: `request` (arrival, with record on), `end` (every response end), `aborted` (client left first). */
export interface SimulatorEvents {
  request: [record: RecordedRequest];
  end: [record: RecordedRequest, outcome: Outcome];
  aborted: [record: RecordedRequest];
}

export interface Simulator {
  readonly options: ResolvedOptions;
  /** The bound port, once listening. */
  readonly port: number | undefined;
  /** Base URL (`http://host:port`); throws before listen(). */
  readonly url: string;
  /** Generating requests (POST /v1/*) not yet ended. */
  readonly inFlight: number;
  /** True while in refusing mode. */
  readonly refusing: boolean;
  /** True while hung (see `setHung`). */
  readonly hung: boolean;
  /** The status generating requests get at once while queue-full (see `setQueueFull`). */
  readonly queueFull: number | undefined;
  /** The prefix cache's counters (tokens) and the blocks it holds. */
  readonly prefixCache: { readonly queries: number; readonly hits: number; readonly blocks: number };

  /** Binds (port 0 = a free port; host default 127.0.0.1). */
  listen(port?: number, host?: string): Promise<ListenAddress>;
  /** Stops listening, destroys every connection, drops timers and holds. */
  close(): Promise<void>;

  /** The log, oldest first (bounded by `recordLimit`; empty with `record: false`). */
  readonly requests: readonly RecordedRequest[];
  lastRequest(): RecordedRequest | undefined;
  getRequest(id: number): RecordedRequest | undefined;
  /** The next request to arrive after this call. */
  nextRequest(opts?: WaitOptions): Promise<RecordedRequest>;
  /** The first logged request matching, or the next one to arrive. */
  waitForRequest(predicate: (r: RecordedRequest) => boolean, opts?: WaitOptions): Promise<RecordedRequest>;
  clearRequests(): void;

  /** Resolves once a request sent with `x-sim-hold: <tag>` paused (after its k chunks were written). */
  waitForHold(tag: string, opts?: WaitOptions): Promise<HoldInfo>;
  /** Lets the request held under `tag` go on (or lets the next one pass without pausing). */
  release(tag: string): void;

  /** A fault for every matching request (a `Fault` or its text form, e.g. `"status:503"`); `refuse` = setRefusing(true). */
  setFault(fault: Fault | string, opts?: FaultOptions): void;
  /** Removes the global fault (header faults are per request and unaffected). */
  clearFaults(): void;
  /** true: close the listener (connections refused; idle keep-alive sockets closed, running responses go on); false: listen again on the same port. */
  setRefusing(refusing: boolean): Promise<void>;

  /**
   * true: a hung engine. Generating requests are accepted and count as running, but nothing
   * is generated (no token, the generation counter stands still) and running streams stop;
   * /health, /v1/models and /metrics still answer. false: everything resumes.
   */
  setHung(hung: boolean): void;
  /** 429 or 503: every generating request gets that status at once, before any byte; false ends it. */
  setQueueFull(status: 429 | 503 | false): void;
  /** Empties the prefix cache (the counters stay). */
  clearPrefixCache(): void;

  on<E extends keyof SimulatorEvents>(event: E, listener: (...args: SimulatorEvents[E]) => void): this;
  once<E extends keyof SimulatorEvents>(event: E, listener: (...args: SimulatorEvents[E]) => void): this;
  off<E extends keyof SimulatorEvents>(event: E, listener: (...args: SimulatorEvents[E]) => void): this;
}
