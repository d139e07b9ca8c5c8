/**
 * Slow and greedy clients: a request whose headers or body stall for the client timeout gets
 * 408 and its socket closed, and one address may hold at most a fixed number of open
 * connections. Only what the client sends is timed: a response may take as long as the backend
 * needs (a long generation is not a stalled client).
 *
 * Headers use node:http's own `headersTimeout` (a deadline from the request's first byte, so a
 * client trickling header bytes is cut too), checked every CHECK_MS instead of Node's default
 * 30 s. Bodies are timed here by progress: a body that receives no byte for the timeout is
 * stalled, unless the gateway itself stopped reading (backpressure from a slow upload target).
 * node:http's `requestTimeout` is off: it is a deadline for the whole body, which would cut a
 * large upload that is slow but steady.
 */
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import { isV1Path } from '../core/v1-path.js';
import { clientTimeoutMessage } from '../core/messages.js';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { surfaceFor } from '../data-plane/render-error.js';

/** How often deadlines are checked: a timeout fires at most this much (plus a tick) late. */
export const CHECK_MS = 50;

export interface ClientGuardOptions {
  /** Milliseconds a request's headers or body may stall. */
  readonly clientTimeoutMs: number;
  /** Open connections one address may hold; 0 = no cap. */
  readonly maxConnectionsPerIp: number;
  /** Peers the cap does not apply to (trusted reverse proxies). */
  readonly uncapped?: (ip: string) => boolean;
  /** A body declared larger is refused without `100 Continue` first. */
  readonly maxBodyBytes?: number;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** node:http options that put the header deadline at the client timeout, checked often. */
export function guardedServerOptions(o: ClientGuardOptions): ServerOptions {
  return {
    keepAliveTimeout: 65_000,
    headersTimeout: o.clientTimeoutMs,
    requestTimeout: 0,
    connectionsCheckingInterval: CHECK_MS,
    // Checked by `missingHost` instead: node:http's own check answers 400 with an empty body.
    requireHostHeader: false,
  };
}

const NO_HOST = JSON.stringify({ error: 'Bad request: HTTP/1.1 requires a Host header' });

/**
 * An HTTP/1.1 request without `Host` gets 400 in JSON and its connection closed, as node:http
 * would answer it without a body. Returns true when it answered.
 */
export function missingHost(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.headers.host !== undefined || req.httpVersionMajor !== 1 || req.httpVersionMinor !== 1) return false;
  res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(NO_HOST), connection: 'close' });
  res.end(NO_HOST);
  return true;
}

/** The 408 body: the /v1 dialect envelopes, else the flat `{"error": …}` of /api and the rest. */
export function timeoutBody(url: string | undefined, ms: number): string {
  const message = clientTimeoutMessage(ms);
  if (url !== undefined && isV1Path(url)) {
    return surfaceFor(url) === 'anthropic'
      ? JSON.stringify({ type: 'error', error: { type: 'timeout_error', message } })
      : JSON.stringify({ error: { message, type: 'timeout_error', code: 408 } });
  }
  return JSON.stringify({ error: message });
}

function rawResponse(status: string, body: string): string {
  return `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * The server's answer to a request node:http could not take (Fastify's `clientErrorHandler`):
 * 408 when the header deadline passed, 431 for oversized headers, else 400; then the socket
 * is closed, after the answer of a request pipelined before the bad bytes. Nothing is written to
 * a socket the client already reset.
 */
export function clientErrorHandler(clientTimeoutMs: number): (err: NodeJS.ErrnoException, socket: Socket) => void {
  const timeout = rawResponse('408 Request Timeout', timeoutBody(undefined, clientTimeoutMs));
  const tooLarge = rawResponse('431 Request Header Fields Too Large', JSON.stringify({ error: 'Request header fields too large' }));
  const bad = rawResponse('400 Bad Request', JSON.stringify({ error: 'Bad request' }));
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const answer = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? timeout : err.code === 'HPE_HEADER_OVERFLOW' ? tooLarge : bad;
    const current = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    const close = (): void => {
      // An answer whose head went out would be cut by ours: the connection just goes.
      if (!socket.writable || (current != null && current.headersSent && !current.writableFinished)) {
        socket.destroy();
        return;
      }
      // Closed once written: destroying at once could drop the answer.
      socket.end(answer);
      setTimeout(() => socket.destroy(), 1000).unref();
    };
    // A whole request before the bad bytes is still being answered: its answer goes out first,
    // then this one (an answer now would land inside it, or be taken for it). A request whose own
    // body broke off is answered now.
    if (current != null && !current.writableFinished && current.req.complete) {
      current.once('finish', close);
      current.once('close', () => (current.writableFinished ? undefined : socket.destroy()));
    } else {
      close();
    }
  };
}

const NO_CONNECT = rawResponse('405 Method Not Allowed', JSON.stringify({ error: 'Method CONNECT not allowed: this server is not a forward proxy' }));

/**
 * node:http's `connect` listener: a CONNECT (a client taking the gateway for a forward proxy)
 * gets 405 and its connection closed; without a listener node:http drops it without a word.
 */
export function refuseConnect(_req: IncomingMessage, socket: Duplex): void {
  socket.on('error', () => undefined);
  socket.end(NO_CONNECT);
  setTimeout(() => socket.destroy(), 1000).unref();
}

const TOO_MANY = rawResponse('429 Too Many Requests', JSON.stringify({ error: 'Too many connections from this address' }));

interface Watched {
  readonly res: ServerResponse;
  bytes: number;
  since: number;
}

/**
 * Installs the guard on `server` and returns `handler` wrapped so that requests on refused
 * connections are dropped. Call once, before the server listens.
 */
export function guardClients(server: Server, o: ClientGuardOptions, handler: RequestHandler): RequestHandler {
  const refused = new WeakSet<Socket>();
  const perIp = new Map<string, number>();

  if (o.maxConnectionsPerIp > 0) {
    // Before node:http's own listener, so a refused socket is answered before anything is parsed.
    server.prependListener('connection', (socket: Socket) => {
      const ip = socket.remoteAddress;
      if (ip === undefined || o.uncapped?.(ip) === true) return;
      const n = (perIp.get(ip) ?? 0) + 1;
      if (n > o.maxConnectionsPerIp) {
        refused.add(socket);
        socket.on('error', () => undefined);
        socket.end(TOO_MANY);
        // A client that never reads must not keep the socket open.
        setTimeout(() => socket.destroy(), 1000).unref();
        return;
      }
      perIp.set(ip, n);
      socket.once('close', () => {
        const left = (perIp.get(ip) ?? 1) - 1;
        if (left <= 0) perIp.delete(ip);
        else perIp.set(ip, left);
      });
    });
  }

  // `Expect: 100-continue`: node:http would say continue to any body; one declared over the limit
  // gets its 413 (from the handler, which checks the declared length) without it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (o.maxBodyBytes === undefined || !(Number(req.headers['content-length']) > o.maxBodyBytes)) res.writeContinue();
    server.emit('request', req, res);
  });

  const watched = new Map<IncomingMessage, Watched>();
  let ticker: NodeJS.Timeout | undefined;
  const tick = (): void => {
    const now = performance.now();
    for (const [req, w] of watched) {
      const socket = req.socket;
      if (req.complete || socket.destroyed) {
        watched.delete(req);
        continue;
      }
      // Progress, or the gateway is not reading (its buffer is full): not the client's stall.
      if (socket.bytesRead !== w.bytes || req.readableLength >= req.readableHighWaterMark) {
        w.bytes = socket.bytesRead;
        w.since = now;
        continue;
      }
      if (now - w.since < o.clientTimeoutMs) continue;
      watched.delete(req);
      bodyTimedOut(req, w.res);
    }
    if (watched.size === 0 && ticker !== undefined) {
      clearInterval(ticker);
      ticker = undefined;
    }
  };
  const bodyTimedOut = (req: IncomingMessage, res: ServerResponse): void => {
    const socket = req.socket;
    if (res.headersSent || res.destroyed) {
      socket.destroy();
      return;
    }
    const body = timeoutBody(req.url, o.clientTimeoutMs);
    res.writeHead(408, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body, () => socket.destroy());
    // Whatever happens to the write, the connection does not outlive a tick.
    setTimeout(() => socket.destroy(), CHECK_MS).unref();
  };

  return (req, res) => {
    if (refused.has(req.socket)) {
      req.socket.destroy();
      return;
    }
    handler(req, res);
    const len = req.headers['content-length'];
    if ((len === undefined || len === '0') && req.headers['transfer-encoding'] === undefined) return;
    // After the packet that brought the headers is parsed (a microtask would run before its
    // body is): the usual body came with it, so the request is never watched. Watching every
    // request (a set and a delete on a long-lived map each) made requests outlive young
    // collections: four times the bytes promoted and three times the scavenge time.
    setImmediate(() => {
      if (req.complete || req.socket.destroyed) return;
      watched.set(req, { res, bytes: req.socket.bytesRead, since: performance.now() });
      ticker ??= setInterval(tick, CHECK_MS).unref();
    });
  };
}
