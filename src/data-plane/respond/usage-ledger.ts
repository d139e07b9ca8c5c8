/**
 * The account of one /v1 request: the usage meter, the commit (exactly once, whatever ends the
 * request, and before the client sees the end), and the outcome reported once to metrics and
 * the request log when the response is over.
 */
import type { IncomingMessage } from 'node:http';
import type { GatewayError, GatewayErrorKind } from '../../core/errors.js';
import type { LimitName } from '../../core/limits.js';
import { clientTimeoutMessage, MSG } from '../../core/messages.js';
import type { RouteReason } from '../../shared/backends-contract.js';
import { CLIENT_CLOSED_REQUEST, type Endpoint, type KeyPrincipal, type RequestFacts, type RequestObserver, type RequestOutcome, type RequestSpan, type ShapeEffect, type UsageCounts, type UsageSink } from '../context.js';
import type { Dialect } from '../dialects/index.js';
import { UsageMeter } from '../tap/usage-meter.js';
import { estimatedInputTokens } from '../transforms/cap-max-tokens.js';
import type { BodyCapture } from './body-capture.js';

/** What every ledger of one data plane shares. */
export interface LedgerEnv {
  readonly usage: UsageSink;
  readonly observer: RequestObserver | undefined;
  /** PROXY_LOG_BODIES=on: keep the first bytes of each body for the request log. */
  readonly logBodies: boolean;
  /** Reports a failed commit (nobody else sees it). */
  readonly warn: (message: string, err: unknown) => void;
  /** /v1 requests in flight, this one included. */
  readonly inFlight: () => number;
  /** PROXY_CLIENT_TIMEOUT, for the message of the client guard's 408. */
  readonly clientTimeoutMs: number;
}

const NO_EFFECTS: readonly ShapeEffect[] = Object.freeze([]);


const ZERO: UsageCounts = Object.freeze({ promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 });

/**
 * How long the end of a response waits for shared limit counters (Redis, Postgres) to take its
 * settle. A slower settle still runs; the counters that do not answer retry it (server/limits/).
 */
export const SETTLE_WAIT_MS = 250;

const NOTHING = (): void => undefined;

/** Two settles' results as one: a promise when either is one. */
function both(a: void | Promise<void>, b: void | Promise<void>): void | Promise<void> {
  if (a === undefined) return b;
  return b === undefined ? a : Promise.all([a, b]).then(NOTHING);
}

/** `p`, or nothing after `ms`. */
function atMost(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export class UsageLedger {
  readonly #env: LedgerEnv;
  readonly #t0 = performance.now();
  /** Set once the request is forwarded (then the request counts). */
  meter: UsageMeter | undefined;
  keyId: string | undefined;
  status = 0;
  stream = false;
  /** The model sent to the backend (metrics and the request log label by it). */
  model: string | undefined;
  /** An unshaped body whose model was not read (embeddings): the answer's model names it. */
  modelFromAnswer = false;
  result: RequestOutcome['result'] = 'complete';
  /** The gateway's error kind when it answered with an error of its own, and its message. */
  errorKind: GatewayErrorKind | undefined;
  errorMessage: string | undefined;
  /** The per-key limit that refused the request, when one did. */
  limit: LimitName | undefined;
  /** What went wrong with the backend call, when that was the failure. */
  cause: string | undefined;

  /** The gateway answers with an error of its own; `cause`: the backend call's failure behind it. */
  failWith(err: GatewayError, cause?: Error): void {
    this.errorKind = err.kind;
    this.errorMessage = err.message;
    this.limit = err.limit;
    if (cause !== undefined) {
      const code = (cause as { code?: unknown }).code;
      this.cause = typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
    }
  }

  /** The server answered around the exchange (the `/v1` root's 404, the client guard's 408): what the client was told. */
  answeredAround(status: number): void {
    this.status = status;
    if (status === 404) {
      this.errorKind = 'not_found';
      this.errorMessage = MSG.notFoundUseV1;
    } else if (status === 408) {
      this.errorKind = 'request_timeout';
      this.errorMessage = clientTimeoutMessage(this.#env.clientTimeoutMs);
    }
  }

  /** The request's trace span (tracing on); it ends with the report. */
  span: RequestSpan | undefined;
  /** The output budget sent to the backend (read only when traced). */
  maxTokens: number | undefined;
  // For the request log: plain assignments of facts the request already has.
  caller: KeyPrincipal | undefined;
  requestedModel: string | undefined;
  /** The gateway's id for the request (core/request-id.ts). */
  requestId = '';
  backend: string | undefined;
  route: RouteReason | undefined;
  session: string | undefined;
  /** How long the request waited in the gateway's fair queue (only a request that waited). */
  queued: { readonly ms: number; readonly model: string } | undefined;
  effects: readonly ShapeEffect[] = NO_EFFECTS;
  requestBody: BodyCapture | undefined;
  responseBody: BodyCapture | undefined;
  /**
   * Set when a stream's relay starts: its request, whose input estimate (admission's) is charged
   * with the deltas relayed if the stream ends without the backend's usage. Read only then: the
   * estimate walks the whole payload.
   */
  streamRequest: RequestFacts | undefined;
  /** A body byte came from the backend (a stream's head alone leaves at once, even while queued). */
  #bodySeen = false;
  /** The stream's terminal frame arrived (its final usage, if any, came before it). */
  #terminal = false;
  /** The usage, fixed the first time it is read at the end: commit, settle and report agree. */
  #usage: UsageCounts | undefined;
  #estimated = false;
  #headAt: number | undefined;
  #ttfb: number | undefined;
  #commit: Promise<void> | undefined;
  /** Admission's settle of the key's limit counters (keys with limits), run with the commit. */
  #settle: ((usage: UsageCounts) => void | Promise<void>) | undefined;

  constructor(env: LedgerEnv) {
    this.#env = env;
  }

  /** The request counts for `keyId`; `dialect` says where its usage is reported. */
  open(keyId: string, dialect: Dialect | undefined): UsageMeter {
    this.keyId = keyId;
    this.meter = new UsageMeter(dialect);
    return this.meter;
  }

  /** The backend's response head arrived. */
  head(status: number): void {
    this.#headAt = performance.now() - this.#t0;
    this.status = status;
  }

  /**
   * A body chunk from the backend arrived: the first one is the time to first token (a stream's
   * head leaves the backend at once, its first event with the first token).
   */
  bodyChunk(): void {
    if (this.#bodySeen) return;
    this.#bodySeen = true;
    this.#ttfb ??= performance.now() - this.#t0;
  }

  /** The backend's response ended: one without a body byte was all head. */
  responseEnded(): void {
    this.#ttfb ??= this.#headAt;
  }

  /** The stream's terminal frame arrived. */
  terminal(): void {
    this.#terminal = true;
  }

  /**
   * The request's usage, as committed: what the backend reported, or for a stream that ended
   * without its final report, the meter's estimate. Fixed when first read (at the end).
   */
  usage(): UsageCounts {
    if (this.#usage !== undefined) return this.#usage;
    const meter = this.meter;
    let usage = meter?.usage() ?? ZERO;
    const request = this.streamRequest;
    // A stream that never sent a byte (the client left while it was queued) generated nothing.
    if (meter !== undefined && request !== undefined && this.#bodySeen && !(this.#terminal && meter.reported)) {
      usage = meter.estimate(estimatedInputTokens(request));
      this.#estimated = true;
    }
    this.#usage = usage;
    return usage;
  }

  /** The request holds something until it is over (its key's limits, a queue slot): `settle` gives it back. */
  settleWith(settle: (usage: UsageCounts) => void | Promise<void>): void {
    const first = this.#settle;
    // The later one first: the fair queue's release comes after admission's settle, cannot throw,
    // and must run even if that one throws.
    this.#settle = first === undefined ? settle : (usage) => {
      const later = settle(usage);
      return both(first(usage), later);
    };
  }

  /** Settles the limit counters now, if the commit has not (the response is over without one). */
  settleNow(): void {
    const settle = this.#settle;
    if (settle === undefined) return;
    this.#settle = undefined;
    void settle(this.usage());
  }

  /**
   * Commits this request's usage once, and settles its limit counters beside it, so that a
   * client that sends its next request when this one ends finds its concurrency slot free and
   * its tokens counted (shared counters take a round trip; the end waits at most
   * SETTLE_WAIT_MS for them). Never rejects (a failed commit or settle is reported).
   */
  commit(): Promise<void> {
    if (this.#commit === undefined) {
      const keyId = this.keyId;
      // Only a request that presented a valid key is ever forwarded, so there is one here.
      if (keyId === undefined) return Promise.resolve();
      const usage = this.usage();
      const committed = this.#env.usage
        .commit(keyId, usage, this.#env.inFlight() === 1)
        .catch((err: unknown) => this.#env.warn('usage commit failed', err));
      const settle = this.#settle;
      this.#settle = undefined;
      const settled = settle?.(usage);
      this.#commit = settled === undefined ? committed : Promise.all([committed, atMost(settled, SETTLE_WAIT_MS)]).then(NOTHING);
    }
    return this.#commit;
  }

  /**
   * The client left before the end (a failure the gateway answered keeps its result). Left
   * before any status was known, it is 499, nginx's "client closed request", not 0.
   */
  clientLeft(): void {
    if (this.result === 'complete') this.result = 'aborted';
    if (this.status === 0) this.status = CLIENT_CLOSED_REQUEST;
  }

  /** Reports the outcome (once, when the response is over). */
  report(endpoint: Endpoint, path: string, req: IncomingMessage): void {
    const observer = this.#env.observer;
    const span = this.span;
    if (observer === undefined && span === undefined) return;
    const meter = this.meter;
    const usage = meter === undefined ? undefined : this.usage();
    const reqBody = this.requestBody;
    const resBody = this.responseBody;
    const outcome: RequestOutcome = {
      requestId: this.requestId,
      endpoint,
      method: req.method ?? 'GET',
      path,
      status: this.status,
      durationMs: performance.now() - this.#t0,
      ttfbMs: this.#ttfb,
      stream: this.stream,
      keyId: this.keyId,
      model: this.model,
      usage: meter !== undefined && (meter.reported || this.#estimated) ? usage : undefined,
      usageEstimated: this.#estimated,
      // The backend failed: it answered a 5xx of its own (relayed as it is), or ended a stream
      // with an error event whatever its status. A 4xx is the client's fault: complete.
      result: this.result === 'complete' && (this.status >= 500 || meter?.backendError === true) ? 'upstream-error' : this.result,
      caller: this.caller,
      requestedModel: this.requestedModel,
      error: this.errorKind,
      errorMessage: this.errorMessage,
      limit: this.limit,
      cause: this.cause,
      backend: this.backend,
      route: this.route,
      session: this.session,
      queued: this.queued,
      effects: this.effects,
      headers: req.headers,
      peer: req.socket.remoteAddress,
      bodies:
        reqBody === undefined && resBody === undefined
          ? undefined
          : {
              request: reqBody?.bytes(),
              requestTruncated: reqBody?.truncated === true,
              response: resBody?.bytes(),
              responseTruncated: resBody?.truncated === true,
            },
    };
    observer?.onRequestEnd(outcome);
    span?.end(outcome, { responseModel: meter?.model, maxTokens: this.maxTokens });
  }
}
