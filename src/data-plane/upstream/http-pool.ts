/**
 * A replica's keep-alive connections: node:http's Agent behind undici's dispatcher interface
 * (`dispatch(options, handler)`, the handler's `onRequestStart … onResponseEnd` with a
 * controller), so upstream/call.ts composes over it as it would over an undici Pool.
 *
 * Why not undici's Pool: before it writes a request on a kept-alive connection it waits for the
 * event loop's next check phase (its idle-socket check), so under load every request waits
 * behind the rest of that turn's I/O: 0.5–2.5 ms more to the first byte at 100 streams, tens of
 * ms at 1,000 (docs/benchmark.md, "A turn per request"). node:http writes at once, as the bare
 * pass-through does. What the check guards against, a backend closing an idle connection just
 * as a request goes out, is covered by the keep-alive timeout below the backend's and by the
 * retry of a reset before the first byte (upstream/call.ts).
 */
import { Agent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import type { Dispatcher, buildConnector } from 'undici';

/** What a call sends (upstream/call.ts builds it). */
export interface PoolRequest {
  readonly method: string;
  readonly path: string;
  /** Flat [name, value, …]; `host` and the length of a whole body are added here. */
  readonly headers: readonly string[];
  /** A body in parts is sent in order (its length must be in the headers); a stream as it comes. */
  readonly body: string | Buffer | readonly Buffer[] | Readable | null;
}

export interface HttpPoolOptions {
  /** Makes each new connection (undici's connector interface: TCP or TLS, with its timeout). */
  readonly connect: buildConnector.connector;
  /** An idle connection is closed after this long. */
  readonly keepAliveMs: number;
}

/**
 * undici's code for a connection the backend closed cleanly before answering (node:http says
 * "socket hang up"): upstream/failures.ts and call.ts tell it from a reset by this code.
 */
function otherSideClosed(): Error {
  return Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
}

function closedPool(): Error {
  return Object.assign(new Error('the replica was removed'), { code: 'UND_ERR_CLOSED' });
}

/** Response headers as undici gives them: lowercased names, repeated ones as arrays. */
function headerObject(raw: readonly string[]): IncomingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    const seen = out[name];
    if (seen === undefined) out[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else out[name] = [seen, value];
  }
  return out;
}

function hasHeader(headers: readonly string[], lower: string): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (name.length === lower.length && name.toLowerCase() === lower) return true;
  }
  return false;
}

/** One request on the pool: the controller its handler holds. */
class Attempt implements Dispatcher.DispatchController {
  #req: ClientRequest;
  #res: IncomingMessage | undefined;
  #reason: Error | null = null;
  #paused = false;
  #done = false;

  constructor(
    private readonly pool: HttpPool,
    private readonly handler: Dispatcher.DispatchHandler,
    req: ClientRequest,
  ) {
    this.#req = req;
    req.on('socket', (socket: Socket) => this.#onSocket(socket));
    req.on('response', (res: IncomingMessage) => this.#onResponse(res));
    req.on('error', (err: Error) => this.#fail(err));
  }

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
    if (this.#done || this.#reason !== null) return;
    this.#reason = reason;
    this.#fail(reason);
  }
  pause(): void {
    this.#paused = true;
    this.#res?.pause();
  }
  resume(): void {
    this.#paused = false;
    this.#res?.resume();
  }

  #onSocket(socket: Socket): void {
    if (this.#done) return;
    // The agent's connector hands over connected sockets; the request is written now.
    if (socket.connecting) socket.once('connect', () => this.#start());
    else this.#start();
  }

  #start(): void {
    if (this.#done || this.#reason !== null) return;
    this.handler.onRequestStart?.(this, {});
  }

  #onResponse(res: IncomingMessage): void {
    if (this.#done) {
      res.destroy();
      return;
    }
    this.#res = res;
    if (this.#paused) res.pause();
    res.on('data', (chunk: Buffer) => {
      if (!this.#done) this.handler.onResponseData?.(this, chunk);
    });
    res.on('end', () => {
      if (this.#done) return;
      this.#settle();
      this.handler.onResponseEnd?.(this, headerObject(res.rawTrailers));
    });
    // A body cut short ends in 'error' (node:http: ECONNRESET "aborted" for a close) or, with
    // no error, in 'close' before 'end'.
    res.on('error', (err: Error) => this.#fail(err));
    res.on('close', () => {
      if (!res.complete) this.#fail(otherSideClosed());
    });
    this.handler.onResponseStart?.(this, res.statusCode ?? 0, headerObject(res.rawHeaders), res.statusMessage);
  }

  #fail(err: Error): void {
    if (this.#done) return;
    this.#settle();
    this.#req.destroy();
    // A connection closed without a reset: "socket hang up" before the head, "aborted" after it.
    const closed = (err as { code?: unknown }).code === 'ECONNRESET' && (err.message === 'socket hang up' || err.message === 'aborted');
    const reported = this.#reason ?? (closed ? otherSideClosed() : err);
    this.handler.onResponseError?.(this, reported);
  }

  #settle(): void {
    this.#done = true;
    this.pool.settled();
  }
}

export class HttpPool {
  readonly #agent: Agent;
  readonly #hostHeader: string;
  readonly #hostname: string;
  readonly #port: number;
  #inFlight = 0;
  #closed = false;
  #whenIdle: (() => void) | undefined;

  constructor(origin: string, o: HttpPoolOptions) {
    const url = new URL(origin);
    const https = url.protocol === 'https:';
    this.#hostHeader = url.host;
    this.#hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.#port = url.port === '' ? (https ? 443 : 80) : Number(url.port);
    // Idle connections are kept for keepAliveMs; as many as the load needs are opened.
    const agent = new Agent({ keepAlive: true, maxFreeSockets: 65_536, timeout: o.keepAliveMs, scheduling: 'lifo' });
    const connectOpts: buildConnector.Options = { hostname: this.#hostname, host: url.host, protocol: url.protocol, port: String(this.#port) };
    // node:http takes a connection made asynchronously through this callback form.
    (agent as unknown as { createConnection: unknown }).createConnection = (_opts: unknown, done: (err: Error | null, socket?: Socket) => void): undefined => {
      o.connect(connectOpts, (err, socket) => (err !== null ? done(err) : done(null, socket as Socket)));
      return undefined;
    };
    this.#agent = agent;
  }

  dispatch(opts: PoolRequest, handler: Dispatcher.DispatchHandler): void {
    if (this.#closed) {
      handler.onResponseError?.(undefined as unknown as Dispatcher.DispatchController, closedPool());
      return;
    }
    const headers = [...opts.headers, 'host', this.#hostHeader];
    const body = opts.body;
    const whole = typeof body === 'string' || Buffer.isBuffer(body);
    if (whole && !hasHeader(opts.headers, 'content-length')) headers.push('content-length', String(Buffer.byteLength(body)));
    let req: ClientRequest;
    try {
      req = httpRequest({ agent: this.#agent, host: this.#hostname, port: this.#port, method: opts.method, path: opts.path, headers });
    } catch (err) {
      // A header node:http refuses (a character not allowed in a header): nothing was sent.
      handler.onResponseError?.(undefined as unknown as Dispatcher.DispatchController, err as Error);
      return;
    }
    this.#inFlight++;
    new Attempt(this, handler, req);
    if (body === null || whole) req.end(body ?? undefined);
    else if (Array.isArray(body)) {
      for (const part of body as readonly Buffer[]) req.write(part);
      req.end();
    } else pipeline(body as Readable, req, (err) => (err === undefined || err === null ? undefined : req.destroy(err)));
  }

  /** An attempt ended (answered, failed or aborted). */
  settled(): void {
    this.#inFlight--;
    if (this.#inFlight === 0) this.#whenIdle?.();
  }

  /** Takes no new request; resolves once the requests in flight have ended and its connections are closed. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#whenIdle = resolve));
    this.#agent.destroy();
  }
}
