/**
 * One /v1 request from its arrival, as the undici handler of its upstream call (upstream/call.ts
 * picks the replica and retries a failed connection). The backend's head picks the relay for
 * that kind of response (respond/relays.ts); the client writer (respond/client-writer.ts)
 * carries bytes and backpressure, the usage ledger (respond/usage-ledger.ts) commits once,
 * before the client sees the end. A client that leaves aborts the upstream request at once.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { GatewayError } from '../core/errors.js';
import { MSG } from '../core/messages.js';
import type { Endpoint, KeyPrincipal, RequestSpan, UsageCounts } from './context.js';
import { dialectFor, outputBudget, type Dialect } from './dialects/index.js';
import type { Forward } from './forward.js';
import { pathOf, type Route } from './guard.js';
import { errorBody, sendError, surfaceFor } from './render-error.js';
import { BodyCapture, captureBody } from './respond/body-capture.js';
import type { DrainClose } from './drain-close.js';
import { ClientWriter } from './respond/client-writer.js';
import { WithheldRelay, type ObserversFor, type Relay } from './respond/relays.js';
import { startRelay } from './respond/start-relay.js';
import { UsageLedger, type LedgerEnv } from './respond/usage-ledger.js';
import type { Upload } from './upload.js';
import type { Upstream } from './upstream/client.js';
import { classifyFailure, type FailureClass } from './upstream/failures.js';
import { replaceTraceContext, responseHeaders } from './upstream/headers.js';
import { replicaOrigin } from './upstream/call.js';
import type { CallFacts } from './upstream/replicas.js';
import type { RouteReason } from '../shared/backends-contract.js';

/** What every exchange of one data plane shares (built once at start-up). */
export interface ExchangeEnv extends LedgerEnv {
  readonly upstream: Upstream;
  /** The observers of a metered response, the usage meter first. */
  readonly observersFor: ObserversFor;
  readonly streamReadTimeoutMs: number;
  readonly nonstreamReadTimeoutMs: number;
  /** The client-facing error for a failed backend call. */
  readonly failureError: (failure: FailureClass) => GatewayError;
  /** Called once per exchange when its response is over, with the key it was authenticated as. */
  readonly onDone: (keyId: string | undefined) => void;
  /** The exchange was authenticated as this key (its requests in flight count from here). */
  readonly onIdentified: (keyId: string) => void;
  /** While the gateway drains, which answers close their connection. */
  readonly drainClose: DrainClose;
  /** How the routing chose a relay's replica (`origin`, as it answered or failed last). */
  readonly routeOf: (facts: CallFacts, origin: string | undefined) => RouteReason | undefined;
}

const CLIENT_GONE = Object.assign(new Error('client closed the connection'), { code: 'WORV_CLIENT_GONE' });

export class Exchange implements Dispatcher.DispatchHandler {
  readonly #env: ExchangeEnv;
  readonly req: IncomingMessage;
  readonly #writer: ClientWriter;
  readonly #ledger: UsageLedger;
  route: Route | undefined;
  /** The key whose requests in flight count this one (set once authenticated, if still open). */
  #countedKey: string | undefined;
  #fwd: Forward | undefined;
  #facts: CallFacts | undefined; // the routing's record of the relay is keyed by it
  /** How the backend's answer carries usage, when its endpoint has a format the gateway reads. */
  #dialect: Dialect | undefined;
  #upload: Upload | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #relay: Relay | undefined;
  #clientGone = false;
  #upstreamDone = false;
  #over = false;

  constructor(env: ExchangeEnv, req: IncomingMessage, res: ServerResponse) {
    this.#env = env;
    this.req = req;
    this.#writer = new ClientWriter(res, env.drainClose);
    this.#ledger = new UsageLedger(env);
    this.#ledger.requestId = this.#writer.requestId;
    this.#writer.watchOver(this);
  }

  get res(): ServerResponse {
    return this.#writer.res;
  }

  /** The route the guard read; its surface names the id header (Anthropic's SDKs read `request-id`). */
  routed(route: Route): void {
    this.route = route;
    this.#writer.idHeader = route.surface === 'anthropic' ? 'request-id' : 'x-request-id';
  }

  /** Runs `fn` once with the usage metered: beside the usage commit, or when the exchange is over without one. */
  onFinish(fn: (usage: UsageCounts) => void | Promise<void>): void {
    if (this.#over) void fn(this.#ledger.usage());
    else this.#ledger.settleWith(fn);
  }

  noteQueued(ms: number, model: string): void {
    this.#ledger.queued = { ms, model };
  }

  /** Tracing on: this request's span, which ends with the outcome's report. */
  traced(span: RequestSpan): void {
    this.#ledger.span = span;
  }

  /** True once the client went away before the response was complete. */
  get clientGone(): boolean {
    return this.#clientGone;
  }

  /** The key the request authenticated with (the request log names it even if rejected later). */
  identify(key: KeyPrincipal): void {
    this.#ledger.caller = key;
    // A client that left during the key lookup was counted out already.
    if (this.#over) return;
    this.#countedKey = key.id;
    this.#env.onIdentified(key.id);
  }

  /** The client's body: kept for the request log only with PROXY_LOG_BODIES=on. */
  noteBody(raw: Buffer | undefined): void {
    if (this.#env.logBodies) this.#ledger.requestBody = captureBody(raw);
  }

  /** The `model` string as the client sent it, and whether it asked for a stream (also for a request refused after parsing). */
  noteModel(model: string | undefined, stream = false): void {
    this.#ledger.requestedModel = model;
    this.#ledger.stream = stream;
  }

  /** Answers with an error before anything was forwarded (guard, auth, parse, shape). */
  reject(err: GatewayError): void {
    this.#ledger.result = 'rejected';
    this.#ledger.status = err.status;
    this.#ledger.failWith(err);
    this.#writer.closeIfLast();
    sendError(this.res, err, this.route?.surface ?? surfaceFor(this.req.url ?? '', this.req.headers['anthropic-version'] !== undefined), this.#writer.requestId);
  }

  /**
   * Answers with a whole body the gateway built itself after asking the backend (GET
   * /v1/models): the request counts (no tokens), committed before the body goes out.
   */
  async sendWhole(keyId: string, status: number, headers: string[], body: Buffer): Promise<void> {
    this.#ledger.keyId = keyId;
    this.#ledger.status = status;
    await this.#ledger.commit();
    if (!this.#writer.destroyed) this.#writer.whole(status, headers, body);
  }

  /** Answers with an upstream failure after the request counted (GET /v1/models). */
  async failWhole(keyId: string, err: GatewayError): Promise<void> {
    this.#ledger.keyId = keyId;
    await this.#finishFailed(err);
  }

  /** Sends the request upstream; the response is relayed by the handler methods below. */
  forward(fwd: Forward, keyId: string): void {
    // A client that left while its body was read or its key looked up is not forwarded.
    if (this.#clientGone) return;
    this.#fwd = fwd;
    const shaped = fwd.kind === 'shaped' ? fwd : undefined;
    if (fwd.kind === 'upload') this.#upload = fwd.body;
    // An unshaped body's answer may still carry usage in its endpoint's format (embeddings).
    this.#dialect = shaped !== undefined ? shaped.dialect : this.route === undefined ? undefined : dialectFor(this.route.endpoint);
    this.#ledger.open(keyId, this.#dialect);
    const stream = (this.#ledger.stream = shaped?.facts.stream === true);
    const model = shaped !== undefined ? shaped.json.model : fwd.kind === 'opaque' ? fwd.model : undefined;
    if (typeof model === 'string') this.#ledger.model = model;
    else this.#ledger.modelFromAnswer = shaped === undefined;
    if (shaped !== undefined) {
      this.#ledger.session = shaped.route?.session;
      this.#ledger.effects = shaped.effects;
    }
    if (this.#env.logBodies) this.#ledger.responseBody = new BodyCapture();
    const route = shaped !== undefined ? shaped.route : fwd.kind === 'opaque' ? fwd.route : undefined;
    const facts: CallFacts = { purpose: 'relay', endpoint: this.route?.endpoint, request: shaped?.facts, body: shaped?.json, route, slot: shaped?.slot };
    this.#facts = facts;
    const readTimeoutMs = stream ? this.#env.streamReadTimeoutMs : this.#env.nonstreamReadTimeoutMs;
    const span = this.#ledger.span;
    if (span !== undefined) {
      replaceTraceContext(fwd.headers, span.upstreamHeaders);
      if (shaped !== undefined) this.#ledger.maxTokens = outputBudget(shaped.facts.endpoint, shaped.json);
    }
    this.#env.upstream.dispatch({ method: fwd.method, path: fwd.path, headers: fwd.headers, body: fwd.body, readTimeoutMs, facts }, this);
  }

  // ---- undici handler -------------------------------------------------------------------

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    this.#writer.upstream = controller;
    if (this.#clientGone) controller.abort(CLIENT_GONE);
  }

  onResponseStart(c: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    this.#ledger.head(status);
    this.#ledger.backend = replicaOrigin(c);
    if (status === 401 || status === 403) {
      // The client's key passed here: the backend refuses ours (upstream/client.ts tells the operator).
      // Passed on, it would tell the client (and its SDK, which then stops) that its own key is wrong.
      this.#relay = new WithheldRelay(() => this.#finishFailed(new GatewayError('upstream_auth', MSG.backendRefusedCredentials)));
      return;
    }
    const fwd = this.#fwd;
    const out = responseHeaders(headers, status, this.#ledger.backend);
    const extra = fwd?.extraHeaders;
    if (extra !== undefined) for (const h of extra) out.push(h);
    const surface = this.route?.surface ?? surfaceFor(this.req.url ?? '');
    this.#relay = startRelay(status, headers, out, this.#writer, this.#ledger, this.#env.observersFor, this.#dialect, fwd?.kind === 'shaped' ? fwd : undefined, surface);
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#ledger.bodyChunk();
    this.#ledger.responseBody?.add(chunk);
    this.#relay?.data(chunk);
  }

  onResponseEnd(): void {
    this.#ledger.responseEnded();
    this.#upstreamEnded();
    this.#upload?.dispose();
    void this.#relay?.complete();
  }

  onResponseError(c: Dispatcher.DispatchController, err: Error): void {
    this.#ledger.backend ??= replicaOrigin(c);
    this.#upstreamEnded();
    const upload = this.#upload;
    if (this.#clientGone || upload?.cut !== undefined) {
      this.#abandon();
      return;
    }
    upload?.dispose();
    // A refusal of our key stays one, however its body ends.
    if (this.#relay instanceof WithheldRelay) void this.#relay.complete();
    else void this.#finishFailed(this.#env.failureError(classifyFailure(err)), err);
  }

  #upstreamEnded(): void {
    this.#upstreamDone = true;
    this.#controller = undefined;
    this.#writer.upstream = undefined;
  }
  // ---- endings ----------------------------------------------------------------------------

  /** The response is over (after the end, or when the client left first): see ClientWriter.watchOver. */
  clientClosed(): void {
    if (this.#over) return;
    this.#writer.over();
    const res = this.res;
    if (!res.writableFinished) {
      this.#clientGone = true;
      this.#ledger.clientLeft();
      if (this.#controller !== undefined && !this.#upstreamDone) this.#controller.abort(CLIENT_GONE);
    } else if (this.#ledger.status === 0) {
      this.#answeredAround(res.statusCode);
    }
    this.#over = true;
    this.#env.drainClose.ended(this.req);
    this.#ledger.settleNow();
    this.#env.onDone(this.#countedKey);
    this.#ledger.route = this.#facts && this.#env.routeOf(this.#facts, this.#ledger.backend);
    this.#ledger.report(this.route?.endpoint ?? ('other' satisfies Endpoint), this.route?.path ?? pathOf(this.req.url ?? '/'), this.req);
  }

  /**
   * The server answered around the exchange (the `/v1` root's 404, the client guard's 408): the
   * outcome says what the client got; an upload under way is stopped, an unforwarded request never will be.
   */
  #answeredAround(status: number): void {
    this.#ledger.answeredAround(status);
    // A streamed upload already at the backend counts, as one its client abandoned there does.
    this.#ledger.result = this.#controller !== undefined && !this.#upstreamDone ? 'aborted' : 'rejected';
    this.#clientGone = true;
    if (this.#controller !== undefined && !this.#upstreamDone) this.#controller.abort(CLIENT_GONE);
  }

  /** The client left, or stopped sending its body midway (its connection is closed; the close counts it aborted). */
  #abandon(): void {
    this.#upload?.dispose();
    if (!this.#clientGone) this.#writer.destroy();
    void this.#ledger.commit().then(() => this.#relay?.abandoned('aborted'));
  }

  async #finishFailed(err: GatewayError, cause?: Error): Promise<void> {
    this.#ledger.result = 'upstream-error';
    this.#ledger.failWith(err, cause);
    await this.#ledger.commit();
    const surface = this.route?.surface ?? 'openai';
    if (!this.res.headersSent) {
      // Before the first byte (or a JSON body not yet sent): a proper error response.
      this.#relay?.abandoned('upstream-error');
      this.#ledger.status = err.status;
      this.#writer.closeIfLast();
      sendError(this.res, err, surface, this.#writer.requestId);
      return;
    }
    this.#relay?.failed(errorBody(err, surface));
  }
}
