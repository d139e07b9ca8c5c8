/**
 * One call to a backend, as an undici handler decorator (the way undici's own RetryHandler
 * wraps a handler): it picks the replica of each attempt, counts the attempt in flight on it,
 * marks the replica's health, retries a connection failure or a reset once before the first
 * response byte (on another replica when there is one, never after a byte), and keeps the read
 * timeout on a native timer. The caller's handler sees one request: one `onRequestStart` with
 * a controller that outlives the attempts, then the response of the attempt that answered.
 *
 * A response head is passed on with the first body byte, not before: vLLM sends a stream's head
 * at once and its first event only after the prompt is read, so a replica that dies in between
 * has answered nothing yet, and its request can still go elsewhere.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { errors, type Dispatcher } from 'undici';
import { CONNECT_ATTEMPTS, classifyFailure, retryableFailure, type FailureClass } from './failures.js';
import type { BackendCall, CallBody, CallHost, ReplayableBody, RetryReason } from './backend-call.js';
import { failingAnswer, type FailedAttempt, type Replica, type Rescuable, type Stopped } from './replicas.js';

const RETRY_STATUS = Object.assign(new Error('answer declared retryable'), { code: 'WORV_RETRY_STATUS' });
const RESCUED: Readonly<Record<Stopped, Error>> = {
  silent: Object.assign(new Error('the replica stopped answering'), { code: 'WORV_RESCUED' }),
  hung: Object.assign(new Error('the replica was ejected as hung'), { code: 'WORV_RESCUED' }),
};
/** No replica to try (none configured): nothing was sent, as when none accepts a connection. */
const NO_REPLICA = Object.assign(new Error('no replica to send the request to'), { code: 'ECONNREFUSED' });

/** undici's "other side closed": the backend closed the connection after reading the request. */
function isCleanClose(err: Error): boolean {
  return (err as { code?: unknown }).code === 'UND_ERR_SOCKET';
}

function isReplayable(body: CallBody): body is ReplayableBody {
  return typeof body === 'object' && !Buffer.isBuffer(body) && !Array.isArray(body);
}

const onReadTimeout = (call: UpstreamCall): void => call.readTimedOut();
const redispatch = (call: UpstreamCall): void => call.again();

export class UpstreamCall implements Dispatcher.DispatchHandler, Dispatcher.DispatchController, Rescuable {
  readonly #host: CallHost;
  readonly #call: BackendCall;
  readonly #inner: Dispatcher.DispatchHandler;
  #replica: Replica | undefined;
  #attempts = 0;
  /** This attempt is counted in its replica's `outstanding` (client calls are; probes are not). */
  #counted = false;
  /** The controller of the attempt in progress. */
  #attempt: Dispatcher.DispatchController | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The caller has the response head: no retry from now on. */
  #started = false;
  /** The head of the attempt answering, held until its first body byte or its end (status 0: none held). */
  #headStatus = 0;
  #headHeaders: IncomingHttpHeaders = {};
  #headMessage: string | undefined;
  #discarding = false;
  #reason: Error | null = null;
  #paused = false;
  /**
   * The failure that made the pending retry (reported if the retry cannot happen). Set only
   * then: an Error built per call captures a stack trace, which showed in profiles.
   */
  #lastError: Error | undefined;
  /** The replica the pending retry goes to. */
  #next: Replica | undefined;
  /** A failing answer that sent the call to another replica (judged by how that one answers). */
  #failedBefore: FailedAttempt | undefined;

  constructor(host: CallHost, call: BackendCall, inner: Dispatcher.DispatchHandler) {
    this.#host = host;
    this.#call = call;
    this.#inner = inner;
  }

  /** Starts the call: the caller's handler gets its controller at once. */
  start(): void {
    this.#inner.onRequestStart?.(this, {});
    const replica = this.#reason === null ? (this.#call.replica ?? this.#host.choose(this.#call, undefined)) : undefined;
    if (replica === undefined) this.#inner.onResponseError?.(this, this.#reason ?? NO_REPLICA);
    else this.#dispatch(replica);
  }

  /** Origin of the replica of the current (or last) attempt. */
  get origin(): string | undefined {
    return this.#replica?.origin;
  }

  // ---- the controller the caller holds ----------------------------------------------------

  get aborted(): boolean {
    return this.#reason !== null;
  }
  get paused(): boolean {
    return this.#paused;
  }
  get reason(): Error | null {
    return this.#reason;
  }
  abort(reason: Error): void {
    if (this.#reason !== null) return;
    this.#reason = reason;
    this.#attempt?.abort(reason);
  }
  pause(): void {
    this.#paused = true;
    this.#attempt?.pause();
  }
  resume(): void {
    this.#paused = false;
    this.#attempt?.resume();
    this.#timer?.refresh();
  }

  // ---- attempts ---------------------------------------------------------------------------

  #dispatch(replica: Replica): void {
    const call = this.#call;
    this.#replica = replica;
    // The gateway's own probes are not load: a probe in flight must not move a session away.
    this.#counted = call.facts.purpose !== 'probe';
    if (this.#counted) replica.outstanding++;
    if (call.facts.purpose === 'relay') replica.waiting.add(this);
    this.#attempts++;
    const b = call.body;
    // A fresh stream per attempt: undici destroys the body of a failed one. undici sends an
    // array of parts as an iterable body (its types do not list iterables).
    const body = b === undefined ? null : isReplayable(b) ? b.body() : (b as string | Buffer);
    replica.pool.dispatch({ method: call.method, path: call.path, headers: call.headers, body, headersTimeout: 0, bodyTimeout: 0 }, this);
  }

  /** The retry, one turn after the failure (not from inside undici's error loop). */
  again(): void {
    const b = this.#call.body;
    const next = this.#next;
    this.#next = undefined;
    if (this.#reason !== null || (isReplayable(b) && !b.replayable) || next === undefined) {
      this.#inner.onResponseError?.(this, this.#reason ?? this.#lastError ?? new Error('upstream call failed'));
      return;
    }
    this.#dispatch(next);
  }

  /** Its replica stopped answering or generating: sent to another one if nothing was passed on yet and one can take it. */
  rescue(why: Stopped): void {
    const b = this.#call.body;
    if (this.#started || this.#reason !== null || this.#attempt === undefined || this.#attempts >= CONNECT_ATTEMPTS) return;
    if ((isReplayable(b) && !b.replayable) || this.#host.retryableClose?.(this.#call) !== true) return;
    this.#attempt.abort(RESCUED[why]);
  }

  readTimedOut(): void {
    const c = this.#attempt;
    if (c === undefined) return;
    const b = this.#call.body;
    // Time the client takes (sending its body, or reading ours) is not the backend's silence.
    if (this.#paused || (isReplayable(b) && b.receiving)) {
      this.#timer?.refresh();
      return;
    }
    c.abort(this.#started ? new errors.BodyTimeoutError() : new errors.HeadersTimeoutError());
  }

  #endAttempt(): Replica | undefined {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#attempt = undefined;
    const r = this.#replica;
    r?.waiting.delete(this);
    if (r !== undefined && this.#counted) r.outstanding--;
    this.#counted = false;
    return r;
  }

  // ---- undici handler ---------------------------------------------------------------------

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#attempt = controller;
    const b = this.#call.body;
    if (isReplayable(b)) b.connected();
    if (this.#reason !== null) {
      controller.abort(this.#reason);
      return;
    }
    const ms = this.#call.readTimeoutMs;
    if (ms > 0) {
      this.#timer = setTimeout(onReadTimeout, ms, this);
      this.#timer.unref();
    }
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders, message?: string): void {
    const replica = this.#replica;
    if (replica !== undefined) this.#host.answered(replica, status, this.#call, this.#failedBefore);
    const b = this.#call.body;
    if (
      this.#call.replica === undefined &&
      this.#attempts < CONNECT_ATTEMPTS &&
      (!isReplayable(b) || b.replayable) &&
      this.#host.retryableStatus(status, this.#call)
    ) {
      // Discarded only when another replica is there to ask: else the answer is the client's.
      this.#next = this.#host.choose(this.#call, replica);
      if (this.#next !== undefined) {
        if (replica !== undefined && failingAnswer(status)) this.#failedBefore = { replica, status };
        this.#discarding = true;
        controller.abort(RETRY_STATUS);
        return;
      }
    }
    this.#timer?.refresh();
    if (this.#paused) controller.pause();
    this.#headStatus = status;
    this.#headHeaders = headers;
    this.#headMessage = message;
  }

  /** Passes the held head on: the response has begun for the caller. */
  #begin(): void {
    const status = this.#headStatus;
    this.#headStatus = 0;
    this.#started = true;
    this.#replica?.waiting.delete(this);
    this.#inner.onResponseStart?.(this, status, this.#headHeaders, this.#headMessage);
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#discarding) return;
    this.#timer?.refresh();
    if (this.#headStatus !== 0) this.#begin();
    this.#inner.onResponseData?.(this, chunk);
  }

  onResponseEnd(_c: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    this.#endAttempt();
    if (this.#headStatus !== 0) this.#begin();
    this.#inner.onResponseEnd?.(this, trailers);
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    const replica = this.#endAttempt();
    const failure = classifyFailure(err);
    if (failure === 'connect' && replica !== undefined) this.#host.failed(replica);
    const rescued = err === RESCUED.silent || err === RESCUED.hung;
    const why: RetryReason = rescued ? (err === RESCUED.hung ? 'hung' : 'silent') : this.#discarding ? 'status' : failure === 'connect' ? 'connect' : 'closed';
    const retry = rescued || this.#discarding || (!this.#started && (retryableFailure(failure) || (isCleanClose(err) && this.#host.retryableClose?.(this.#call) === true)));
    this.#discarding = false;
    // A head without a body byte is dropped: the caller answers the failure as it would before any byte.
    this.#headStatus = 0;
    if (retry && this.#reason === null && this.#call.replica === undefined && this.#attempts < CONNECT_ATTEMPTS) {
      const next = why === 'status' ? this.#next : this.#retryTarget(failure, replica);
      if (next !== undefined) {
        this.#next = next;
        this.#lastError = err;
        this.#host.retrying?.(replica, why);
        setImmediate(redispatch, this);
        return;
      }
    }
    this.#next = undefined;
    this.#inner.onResponseError?.(this, this.#reason ?? err);
  }

  /** Another replica the routing offers; with none, a reset goes again to the same one (its kept-alive connection was closed), a refused connection nowhere. */
  #retryTarget(failure: FailureClass, failed: Replica | undefined): Replica | undefined {
    const b = this.#call.body;
    if (isReplayable(b) && !b.replayable) return undefined;
    return this.#host.choose(this.#call, failed) ?? (failure === 'reset' ? failed : undefined);
  }
}

/** The replica origin behind a call's controller (undefined for other controllers). */
export function replicaOrigin(c: Dispatcher.DispatchController): string | undefined {
  return c instanceof UpstreamCall ? c.origin : undefined;
}
