/**
 * Writes one response to the client: corked per event-loop turn, a full socket pauses the
 * upstream (and its 'drain' resumes it), ended or destroyed once. An SSE response to an
 * HTTP/1.1 client is framed by the gateway itself (chunk-frame.ts): everything one turn
 * produced goes to the socket as one chunk in one write, and the response head leaves with
 * the first chunk when both came in the same read. Other responses go through `res.write`.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { newRequestId } from '../../core/request-id.js';
import type { DrainClose } from '../drain-close.js';
import { chunkFrame } from './chunk-frame.js';

/** What a full client socket pauses: the upstream response (undici's controller). */
export interface Pausable {
  readonly paused: boolean;
  pause(): void;
  resume(): void;
}

/** The state of a response the gateway frames itself. */
interface FramedStream {
  readonly socket: Socket;
  /**
   * Bytes sent in this turn, not framed yet: the first `count` slots. The array is kept and its
   * slots cleared, not emptied: an emptied array gives up its storage and the next chunk's
   * push would allocate it again.
   */
  readonly frames: (Uint8Array | string | undefined)[];
  count: number;
  flushQueued: boolean;
  /** The response head waits in the corked socket for the first turn's chunk. */
  headCorked: boolean;
  drainWait: boolean;
}

/** Whom a response's end is told: its 'close', or its connection's for an answer that never got it. */
export interface OverListener {
  clientClosed(): void;
}

const kOver = Symbol('over');
type TaggedResponse = ServerResponse & { [kOver]?: OverListener };

function onResponseClose(this: TaggedResponse): void {
  this[kOver]?.clientClosed();
}

function uncork(w: ClientWriter): void {
  w.uncork();
}
function flushFrames(w: ClientWriter): void {
  w.flushFrames();
}

export class ClientWriter {
  readonly res: ServerResponse;
  /** Set while an upstream response is flowing; a full socket pauses it. */
  upstream: Pausable | undefined;
  #corked = false;
  #framed: FramedStream | undefined;
  #drainListening = false;
  /** The gateway's id for the request (core/request-id.ts), sent with the head. */
  readonly requestId = newRequestId();
  /** The header that carries it (`request-id` on the Anthropic surface). */
  idHeader = 'x-request-id';

  readonly #drainClose: DrainClose | undefined;
  /** A pipelined answer's listener on the connection's close, while it waits. */
  #queuedLost: (() => void) | undefined;

  constructor(res: ServerResponse, drainClose?: DrainClose) {
    this.res = res;
    this.#drainClose = drainClose;
  }

  /**
   * Tells `over` once the response is over: its 'close' fires after the end or when the client
   * left first. A pipelined answer waits for the connection, and one that never gets it (the
   * client left first) never closes: the connection's close tells `over` then.
   */
  watchOver(over: OverListener): void {
    const res = this.res as TaggedResponse;
    res[kOver] = over;
    res.on('close', onResponseClose);
    if (res.socket === null) {
      this.#queuedLost = () => over.clientClosed();
      res.req.socket.once('close', this.#queuedLost);
    }
  }

  /** The response is over: the connection's listener of a pipelined answer goes. */
  over(): void {
    if (this.#queuedLost !== undefined) this.res.req.socket.off('close', this.#queuedLost);
  }

  /** While the gateway drains, the head says `Connection: close` if this is the connection's last answer. */
  closeIfLast(): void {
    if (this.#drainClose?.closes(this.res.req) === true) this.res.setHeader('connection', 'close');
  }

  get destroyed(): boolean {
    return this.res.destroyed;
  }

  /** Sends the head now (bytes follow through `send`). */
  head(status: number, headers: string[]): void {
    this.#complete(headers);
    this.res.writeHead(status, headers);
  }

  /**
   * The head's last headers: Connection while draining, the request id, and a Vary set before
   * (CORS with a list of origins) kept beside the backend's: a head's header replaces one set earlier.
   */
  #complete(headers: string[]): void {
    this.closeIfLast();
    const vary = this.res.getHeader('vary');
    if (typeof vary === 'string') {
      for (let i = 0; i < headers.length; i += 2) {
        if (headers[i] === 'vary' && headers[i + 1] !== '*') headers[i + 1] = `${headers[i + 1] as string}, ${vary}`;
      }
    }
    headers.push(this.idHeader, this.requestId);
  }

  /**
   * Sends the head of a stream: the client sees the status at once (long prefills take
   * minutes); on HTTP/1.1 the gateway frames the chunks from here on.
   */
  headStream(status: number, headers: string[]): void {
    const res = this.res;
    this.#complete(headers);
    res.writeHead(status, headers);
    const socket = res.socket;
    if (socket !== null && res.chunkedEncoding && !socket.destroyed) {
      const framed: FramedStream = { socket, frames: [], count: 0, flushQueued: false, headCorked: true, drainWait: false };
      this.#framed = framed;
      socket.cork();
      this.#queueFlush(framed);
    }
    res.flushHeaders();
  }

  /** A whole body with its length, in one write. */
  whole(status: number, headers: string[], body: Buffer): void {
    headers.push('content-length', String(body.length));
    this.#complete(headers);
    this.res.writeHead(status, headers);
    this.res.end(body);
  }

  send(bytes: Uint8Array | string): void {
    const res = this.res;
    if (res.destroyed) return;
    const framed = this.#framed;
    if (framed !== undefined) {
      framed.frames[framed.count++] = bytes;
      this.#queueFlush(framed);
      return;
    }
    // A pipelined response waiting for the socket is buffered by Node until its turn; corking
    // it is pointless, and on Node 22 it lost the last write before end().
    if (!this.#corked && res.socket !== null) {
      this.#corked = true;
      res.cork();
      process.nextTick(uncork, this);
    }
    if (!res.write(bytes)) {
      this.#pauseUpstream();
      if (!this.#drainListening) {
        this.#drainListening = true;
        res.once('drain', () => this.#drained());
      }
    }
  }

  uncork(): void {
    this.#corked = false;
    this.res.uncork();
  }

  /** Writes this turn's stream bytes as one chunk (and the head, the first time). */
  flushFrames(): void {
    const framed = this.#framed;
    if (framed === undefined) return;
    framed.flushQueued = false;
    if (this.res.writableEnded) return;
    this.#writeFrames(framed);
    if (framed.headCorked) {
      framed.headCorked = false;
      framed.socket.uncork();
    }
  }

  /** Ends the response; bytes of this turn not written yet go in the same write as the end. */
  end(): void {
    if (this.res.destroyed) return;
    const framed = this.#framed;
    if (framed !== undefined) {
      if (framed.count > 0 && !framed.socket.destroyed) {
        // end() uncorks the socket fully: the last chunk and the terminator leave in one writev.
        framed.socket.cork();
        this.#writeFrames(framed);
      }
      framed.headCorked = false;
    }
    this.res.end();
  }

  /** Closes the connection without ending the response: the client sees it incomplete. */
  destroy(): void {
    this.res.destroy();
  }

  #queueFlush(framed: FramedStream): void {
    if (framed.flushQueued) return;
    framed.flushQueued = true;
    process.nextTick(flushFrames, this);
  }

  #writeFrames(framed: FramedStream): void {
    const { socket, frames, count } = framed;
    if (count === 0) return;
    const chunk = chunkFrame(frames, count);
    for (let i = 0; i < count; i++) frames[i] = undefined;
    framed.count = 0;
    if (chunk === undefined || socket.destroyed) return;
    if (!socket.write(chunk)) {
      this.#pauseUpstream();
      if (!framed.drainWait) {
        framed.drainWait = true;
        socket.once('drain', () => {
          framed.drainWait = false;
          this.#drained();
        });
      }
    }
  }

  #pauseUpstream(): void {
    const u = this.upstream;
    if (u !== undefined && !u.paused) u.pause();
  }

  #drained(): void {
    this.#drainListening = false;
    this.upstream?.resume();
  }
}
