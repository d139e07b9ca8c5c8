/**
 * One /v1 request from the moment it arrives: the upstream call (undici dispatch handler with
 * the one connect retry), the respond stage (JSON bodies metered whole, SSE through the tap,
 * everything else relayed raw) and the account stage (usage committed exactly once, before the
 * client sees the end). Backpressure: a full client socket pauses the upstream parser; a client
 * that leaves aborts the upstream request at once. A streamed request body (upload.ts) is kept
 * until an attempt connects, so the connect retry sends it whole.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import type { GatewayError } from '../core/errors.js';
import { topLevelObjectMember, UNKNOWN } from '../core/json-tail-member.js';
import { utf8Text, type JsonValue } from '../core/json.js';
import { chunkFrame } from './chunk-frame.js';
import type { Endpoint, RequestFacts, RequestObserver, RequestOutcome, UsageCounts, UsageSink } from './context.js';
import type { Dialect } from './dialects/index.js';
import type { Route } from './guard.js';
import { errorBody, sendError, surfaceFor } from './render-error.js';
import { observersFor, type FrameObserver, type ObserverFactory } from './tap/observers.js';
import { SseTap, type TapSink } from './tap/tap.js';
import { UsageMeter } from './tap/usage-meter.js';
import { Upload } from './upload.js';
import type { Upstream } from './upstream/client.js';
import { classifyFailure, gatewayErrorFor } from './upstream/failures.js';
import { mediaType, responseHeaders } from './upstream/headers.js';
import type { CallFacts } from './upstream/replicas.js';

/** What every exchange of one data plane shares (built once at start-up). */
export interface ExchangeEnv {
  readonly upstream: Upstream;
  readonly usage: UsageSink;
  readonly observer: RequestObserver | undefined;
  /** Observers after the usage meter, in order (usage-chunk filter, Han filter). */
  readonly observerFactories: readonly ObserverFactory[];
  readonly stripHan: boolean;
  readonly streamReadTimeoutMs: number;
  readonly nonstreamReadTimeoutMs: number;
  /** Reports failures nobody else can see (a usage commit that failed). */
  readonly warn: (message: string, err: unknown) => void;
  /** Called once per exchange when its response is over. */
  readonly onDone: () => void;
  /** /v1 requests in flight, this one included. */
  readonly inFlight: () => number;
}

/** The request as it goes to the backend. */
export interface Forward {
  readonly method: string;
  /** Path and query, exactly as received. */
  readonly path: string;
  readonly headers: string[];
  /**
   * The whole body; or a shaped one in parts sent in order (serialize-body.ts), or an unshaped
   * one streamed as it arrives (upload.ts): for both, the headers carry the length.
   */
  readonly body: Buffer | readonly Buffer[] | Upload | undefined;
  readonly facts: RequestFacts | undefined;
  readonly dialect: Dialect | undefined;
  /** Response headers the gateway adds (e.g. x-worv-max-tokens-capped). */
  readonly extraHeaders: readonly string[];
}

type Mode = 'raw' | 'json' | 'sse';

const kExchange = Symbol('exchange');
type TaggedResponse = ServerResponse & { [kExchange]?: Exchange };

const CLIENT_GONE = Object.assign(new Error('client closed the connection'), { code: 'WORV_CLIENT_GONE' });

function onResponseClose(this: TaggedResponse): void {
  this[kExchange]?.clientClosed();
}
function onResponseDrain(this: TaggedResponse): void {
  this[kExchange]?.drained();
}
function uncork(x: Exchange): void {
  x.uncork();
}
function flushFrames(x: Exchange): void {
  x.flushFrames();
}

/**
 * An SSE response to an HTTP/1.1 client, framed by the gateway (chunk-frame.ts): the bytes of
 * one event-loop turn go to the socket as one chunk in one write.
 */
interface FramedStream {
  readonly socket: Socket;
  /** Bytes sent in this turn, not framed yet. */
  readonly frames: (Uint8Array | string)[];
  flushQueued: boolean;
  /** The response head waits in the corked socket for the first turn's chunk. */
  headCorked: boolean;
  drainWait: boolean;
}

export class Exchange implements Dispatcher.DispatchHandler, TapSink {
  readonly #env: ExchangeEnv;
  readonly req: IncomingMessage;
  readonly res: TaggedResponse;
  readonly #t0 = performance.now();
  route: Route | undefined;
  keyId: string | undefined;
  #fwd: Forward | undefined;
  #upload: Upload | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #mode: Mode = 'raw';
  #status = 0;
  #ttfb: number | undefined;
  #headers: string[] = [];
  #chunks: Buffer[] = [];
  #meter: UsageMeter | undefined;
  #observers: readonly FrameObserver[] = [];
  #tap: SseTap | undefined;
  #commit: Promise<void> | undefined;
  #corked = false;
  /** Set for an SSE response the gateway frames itself; otherwise writes go through `res.write`. */
  #framed: FramedStream | undefined;
  #clientGone = false;
  #upstreamDone = false;
  #result: RequestOutcome['result'] = 'complete';

  constructor(env: ExchangeEnv, req: IncomingMessage, res: ServerResponse) {
    this.#env = env;
    this.req = req;
    this.res = res;
    this.res[kExchange] = this;
    res.on('close', onResponseClose);
  }

  /** True once the client went away before the response was complete. */
  get clientGone(): boolean {
    return this.#clientGone;
  }

  /** Answers with an error before anything was forwarded (guard, auth, parse, shape). */
  reject(err: GatewayError): void {
    this.#result = 'rejected';
    this.#status = err.status;
    sendError(this.res, err, this.route?.surface ?? surfaceFor(this.req.url ?? ''));
  }

  /**
   * Answers with a whole body the gateway built itself after asking the backend (GET
   * /v1/models): the request counts (no tokens), committed before the body goes out.
   */
  async sendWhole(keyId: string, status: number, headers: readonly string[], body: Buffer): Promise<void> {
    this.keyId = keyId;
    this.#status = status;
    await this.#commitUsage();
    if (this.res.destroyed) return;
    this.res.writeHead(status, [...headers, 'content-length', String(body.length)]);
    this.res.end(body);
  }

  /** Answers with an upstream failure after the request counted (GET /v1/models). */
  async failWhole(keyId: string, err: GatewayError): Promise<void> {
    this.keyId = keyId;
    await this.#finishFailed(err);
  }

  /** Sends the request upstream; the response is relayed by the handler methods below. */
  forward(fwd: Forward, keyId: string): void {
    // A client that left while its body was read or its key looked up is not forwarded.
    if (this.#clientGone) return;
    this.#fwd = fwd;
    if (fwd.body instanceof Upload) this.#upload = fwd.body;
    this.keyId = keyId;
    this.#meter = new UsageMeter(fwd.dialect);
    this.#dispatch();
  }

  #dispatch(): void {
    const fwd = this.#fwd as Forward;
    const readTimeoutMs = fwd.facts?.stream === true ? this.#env.streamReadTimeoutMs : this.#env.nonstreamReadTimeoutMs;
    const facts: CallFacts = { purpose: 'relay', endpoint: this.route?.endpoint, request: fwd.facts };
    // The call picks the replica, counts it, and retries a failed connection before the first byte.
    this.#env.upstream.dispatch({ method: fwd.method, path: fwd.path, headers: fwd.headers, body: fwd.body, readTimeoutMs, facts }, this);
  }

  // ---- undici handler -------------------------------------------------------------------

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#clientGone) controller.abort(CLIENT_GONE);
  }

  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    this.#ttfb = performance.now() - this.#t0;
    this.#status = status;
    const fwd = this.#fwd as Forward;
    const out = responseHeaders(headers);
    for (const h of fwd.extraHeaders) out.push(h);
    const dialect = fwd.dialect;
    const media = status >= 200 && status < 300 && dialect !== undefined ? mediaType(headers) : '';
    if (media === 'text/event-stream' && dialect !== undefined && fwd.facts !== undefined) {
      this.#mode = 'sse';
      this.#observers = this.#observersFor(dialect, fwd.facts);
      this.#tap = new SseTap(dialect, this.#observers, this, () => void this.#commitUsage());
      const res = this.res;
      res.writeHead(status, out);
      const socket = res.socket;
      if (socket !== null && res.chunkedEncoding && !socket.destroyed) {
        // The head goes out at the end of this turn, with the first chunk when it came in the
        // same read: one write instead of two.
        const framed: FramedStream = { socket, frames: [], flushQueued: false, headCorked: true, drainWait: false };
        this.#framed = framed;
        socket.cork();
        this.#queueFlush(framed);
      }
      // Clients see the status as soon as the backend sends it (long prefills take minutes).
      res.flushHeaders();
    } else if (media === 'application/json' && dialect !== undefined) {
      this.#mode = 'json';
      this.#headers = out;
    } else {
      this.#mode = 'raw';
      this.res.writeHead(status, out);
    }
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#mode === 'json') this.#chunks.push(chunk);
    else if (this.#mode === 'sse') (this.#tap as SseTap).push(chunk);
    else this.send(chunk);
  }

  onResponseEnd(): void {
    this.#upstreamDone = true;
    this.#controller = undefined;
    this.#upload?.dispose();
    if (this.#mode === 'json') void this.#finishJson();
    else void this.#finishStream();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.#upstreamDone = true;
    this.#controller = undefined;
    const upload = this.#upload;
    if (this.#clientGone || upload?.cut !== undefined) {
      this.#abandon();
      return;
    }
    upload?.dispose();
    void this.#finishFailed(gatewayErrorFor(classifyFailure(err)));
  }

  // ---- client side ------------------------------------------------------------------------

  /** Writes to the client, corked per event-loop turn; a full socket pauses the upstream. */
  send(bytes: Uint8Array | string): void {
    const res = this.res;
    if (res.destroyed) return;
    const framed = this.#framed;
    if (framed !== undefined) {
      framed.frames.push(bytes);
      this.#queueFlush(framed);
      return;
    }
    if (!this.#corked) {
      this.#corked = true;
      res.cork();
      process.nextTick(uncork, this);
    }
    if (!res.write(bytes)) {
      const c = this.#controller;
      if (c !== undefined && !c.paused && !this.#upstreamDone) {
        c.pause();
        res.once('drain', onResponseDrain);
      }
    }
  }

  uncork(): void {
    this.#corked = false;
    this.res.uncork();
  }

  #queueFlush(framed: FramedStream): void {
    if (framed.flushQueued) return;
    framed.flushQueued = true;
    process.nextTick(flushFrames, this);
  }

  /** Writes this turn's SSE bytes as one chunk (and the head, the first time). */
  flushFrames(): void {
    const framed = this.#framed as FramedStream;
    framed.flushQueued = false;
    if (this.res.writableEnded) return;
    this.#writeFrames(framed);
    if (framed.headCorked) {
      framed.headCorked = false;
      framed.socket.uncork();
    }
  }

  #writeFrames(framed: FramedStream): void {
    const { socket, frames } = framed;
    if (frames.length === 0) return;
    const chunk = chunkFrame(frames);
    frames.length = 0;
    if (chunk === undefined || socket.destroyed) return;
    if (!socket.write(chunk)) {
      const c = this.#controller;
      if (c !== undefined && !c.paused && !this.#upstreamDone) c.pause();
      if (!framed.drainWait) {
        framed.drainWait = true;
        socket.once('drain', () => {
          framed.drainWait = false;
          this.drained();
        });
      }
    }
  }

  /** Ends the response; bytes of this turn not written yet go in the same write as the end. */
  #end(): void {
    const framed = this.#framed;
    if (framed !== undefined) {
      if (framed.frames.length > 0 && !framed.socket.destroyed) {
        // end() uncorks the socket fully: the last chunk and the terminator leave in one writev.
        framed.socket.cork();
        this.#writeFrames(framed);
      }
      framed.headCorked = false;
    }
    this.res.end();
  }

  drained(): void {
    this.#controller?.resume();
  }

  /** The response is over ('close' fires once: after the end, or when the client left first). */
  clientClosed(): void {
    if (!this.res.writableFinished) {
      this.#clientGone = true;
      // A response the gateway itself cut short (upstream failure) keeps that result.
      if (this.#result === 'complete') this.#result = 'aborted';
      if (this.#controller !== undefined && !this.#upstreamDone) this.#controller.abort(CLIENT_GONE);
    }
    this.#report();
  }

  // ---- endings ----------------------------------------------------------------------------

  #observersFor(dialect: Dialect, facts: RequestFacts): readonly FrameObserver[] {
    return observersFor({ facts, dialect, stripHan: this.#env.stripHan }, this.#meter as UsageMeter, this.#env.observerFactories);
  }

  /**
   * The client left, or stopped sending its body midway (then its connection is closed: a
   * broken request gets no answer, and the close counts it as aborted).
   */
  #abandon(): void {
    this.#upload?.dispose();
    if (!this.#clientGone) this.res.destroy();
    void this.#finishAborted();
  }

  /** Commits this request's usage once; never rejects (a failed commit is reported). */
  #commitUsage(): Promise<void> {
    if (this.#commit === undefined) {
      const usage = this.#meter?.usage() ?? ZERO;
      this.#commit = this.#env.usage
        .commit(this.keyId as string, usage, this.#env.inFlight() === 1)
        .catch((err: unknown) => this.#env.warn('usage commit failed', err));
    }
    return this.#commit;
  }

  async #finishJson(): Promise<void> {
    const fwd = this.#fwd as Forward;
    let body = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks);
    this.#chunks = [];
    const meter = this.#meter as UsageMeter;
    const observers = this.#observersFor(fwd.dialect as Dialect, fwd.facts ?? NO_FACTS);
    // Only the meter reads the body (no filter rewrites it): read just its `usage` member.
    const usage = observers.every((o) => o === meter || o.onBody === undefined) ? topLevelObjectMember(body, 'usage') : UNKNOWN;
    if (usage !== UNKNOWN) {
      meter.onBody(usage === undefined ? NO_USAGE_BODY : { usage });
    } else {
      let parsed: JsonValue | undefined;
      try {
        parsed = JSON.parse(utf8Text(body)) as JsonValue;
      } catch {
        parsed = undefined; // not JSON after all: relayed as is, no usage
      }
      if (parsed !== undefined) {
        let out = parsed;
        for (const o of observers) if (o.onBody !== undefined) out = o.onBody(out);
        if (out !== parsed) body = Buffer.from(JSON.stringify(out));
      }
    }
    await this.#commitUsage();
    for (const o of observers) o.onEnd?.('complete');
    if (this.res.destroyed) return;
    this.#headers.push('content-length', String(body.length));
    this.res.writeHead(this.#status, this.#headers);
    this.res.end(body);
  }

  async #finishStream(): Promise<void> {
    const tap = this.#tap;
    if (tap !== undefined) tap.end();
    await this.#commitUsage();
    tap?.finish('complete');
    if (tap !== undefined) for (const bytes of tap.takeHeld()) this.send(bytes);
    if (!this.res.destroyed) this.#end();
  }

  async #finishAborted(): Promise<void> {
    await this.#commitUsage();
    this.#tap?.finish('aborted');
  }

  async #finishFailed(err: GatewayError): Promise<void> {
    this.#result = 'upstream-error';
    await this.#commitUsage();
    const res = this.res;
    if (!res.headersSent) {
      // Before the first byte (or a JSON body not yet sent): a proper error response.
      this.#tap?.finish('upstream-error');
      this.#status = err.status;
      sendError(res, err, this.route?.surface ?? 'openai');
      return;
    }
    const tap = this.#tap;
    if (tap === undefined) {
      // A raw body cut short: closing without the final chunk tells the client it is incomplete.
      res.destroy();
      return;
    }
    if (tap.sawTerminal) {
      // Everything but the release had arrived: the stream is complete.
      tap.finish('complete');
      for (const bytes of tap.takeHeld()) this.send(bytes);
      this.#end();
      return;
    }
    tap.finish('upstream-error');
    const fwd = this.#fwd as Forward;
    if (tap.atFrameBoundary && fwd.dialect !== undefined) {
      this.send(fwd.dialect.errorFrame(errorBody(err, this.route?.surface ?? 'openai')));
      this.#end();
    } else {
      // Half a frame is out: nothing valid can follow it, so the connection is closed instead.
      res.destroy();
    }
  }

  #report(): void {
    this.#env.onDone();
    const observer = this.#env.observer;
    if (observer === undefined) return;
    const route = this.route;
    observer.onRequestEnd({
      endpoint: route?.endpoint ?? ('other' satisfies Endpoint),
      method: this.req.method ?? 'GET',
      status: this.#status,
      durationMs: performance.now() - this.#t0,
      ttfbMs: this.#ttfb,
      stream: this.#fwd?.facts?.stream === true,
      keyId: this.keyId,
      usage: this.#meter?.reported === true ? this.#meter.usage() : undefined,
      result: this.#result,
    });
  }
}

const NO_USAGE_BODY: JsonValue = Object.freeze({});

const ZERO: UsageCounts = Object.freeze({ promptTokens: 0, completionTokens: 0 });

const NO_FACTS: RequestFacts = Object.freeze({
  endpoint: 'other',
  stream: false,
  clientAskedForUsage: false,
  userScript: 'other',
  payloadChars: 0,
  requestedModel: undefined,
});
