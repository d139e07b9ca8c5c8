/**
 * A request body the gateway does not read (unshaped endpoints), sent upstream as it arrives
 * instead of after the last byte: store-and-forward of a 10 MiB body costs ~12 ms.
 *
 * Only a body with a declared Content-Length is streamed (the limit was checked on the header,
 * so nothing can reach the backend before a 413), and only above STREAM_BODY_MIN_BYTES: below
 * it the whole body arrives in one or two socket reads and forwarding it whole costs less than
 * the stream per request. Chunked bodies are read whole (read-body.ts), as the limit can only be
 * checked while reading.
 *
 * Each upstream attempt gets a fresh Readable (undici destroys its body on error) that replays
 * the chunks kept so far, then carries the rest as it arrives. Chunks are kept only until an
 * attempt has connected: after that, a connect retry cannot happen. A slow backend pauses the
 * client: a full attempt stream pauses the request, reading it resumes the request.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { ReplayableBody } from './upstream/backend-call.js';

/**
 * Bodies up to this size are read whole. Node reads a socket 64 KiB at a time, so a body this
 * small is at most a read or two behind its headers; forwarding it whole costs one short copy.
 */
export const STREAM_BODY_MIN_BYTES = 64 * 1024;

/** Each attempt stream holds this much before it pauses the client (one socket read). */
const ATTEMPT_HIGH_WATER_MARK = 64 * 1024;

/** The declared length of a body to stream, or undefined to read it whole. */
export function streamedLength(headers: IncomingHttpHeaders): number | undefined {
  const declared = headers['content-length'];
  if (declared === undefined || headers['transfer-encoding'] !== undefined) return undefined;
  const n = Number(declared);
  return n > STREAM_BODY_MIN_BYTES ? n : undefined;
}

function ignore(): void {}

/** The body of one upstream attempt. */
class AttemptBody extends Readable {
  readonly #upload: Upload;

  constructor(upload: Upload) {
    super({ highWaterMark: ATTEMPT_HIGH_WATER_MARK });
    this.#upload = upload;
    // undici listens for the error while it holds the stream; the exchange reads Upload.cut.
    this.on('error', ignore);
  }

  override _read(): void {
    this.#upload.wanted(this);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#upload.dropped(this);
    cb(err);
  }
}

export class Upload implements ReplayableBody {
  /** The client's request (an IncomingMessage). */
  readonly #req: Readable;
  /** Every chunk received so far, while a retry may still need them; undefined after. */
  #kept: Buffer[] | undefined = [];
  #current: AttemptBody | undefined;
  #listening = false;
  #ended = false;
  #cut: Error | undefined;
  readonly #onData = (chunk: Buffer): void => this.#data(chunk);
  readonly #onEnd = (): void => this.#end();
  readonly #onError = (err: Error): void => this.#fail(err);
  // 'close' before 'end': the rest of the body will never come.
  readonly #onClose = (): void => this.#fail();

  constructor(req: Readable) {
    this.#req = req;
  }

  /** Set when the client went away before sending the whole body. */
  get cut(): Error | undefined {
    return this.#cut;
  }

  /** True while the body can still be sent again from its first byte. */
  get replayable(): boolean {
    return this.#kept !== undefined && this.#cut === undefined;
  }

  /** The client is still sending its body. */
  get receiving(): boolean {
    return !this.#ended && this.#cut === undefined;
  }

  /** A fresh body for the next upstream attempt (only while `replayable`). */
  body(): Readable {
    const kept = this.#kept;
    if (kept === undefined) throw new Error('upload: the body can no longer be replayed');
    this.#current?.destroy();
    const s = new AttemptBody(this);
    for (const chunk of kept) s.push(chunk);
    if (this.#ended) s.push(null);
    this.#current = s;
    if (!this.#listening) this.#listen();
    return s;
  }

  /** An attempt connected: a connect retry can no longer happen, so nothing more is kept. */
  connected(): void {
    this.#kept = undefined;
  }

  /** The exchange is done with the body: stop listening and discard whatever is still to come. */
  dispose(): void {
    this.#kept = undefined;
    const s = this.#current;
    this.#current = undefined;
    s?.destroy();
    if (!this.#listening) return;
    this.#listening = false;
    const req = this.#req;
    req.off('data', this.#onData);
    req.off('end', this.#onEnd);
    req.off('error', this.#onError);
    req.off('close', this.#onClose);
    // Flowing without a 'data' listener drops the rest, as node:http does for unread bodies.
    if (!this.#ended && this.#cut === undefined) req.resume();
  }

  /** The current attempt's stream has room again. */
  wanted(s: AttemptBody): void {
    if (s === this.#current && !this.#ended && this.#cut === undefined) this.#req.resume();
  }

  /** An attempt's stream was destroyed (sent, or its attempt failed). */
  dropped(s: AttemptBody): void {
    if (s === this.#current) this.#current = undefined;
  }

  #listen(): void {
    this.#listening = true;
    const req = this.#req;
    req.on('data', this.#onData);
    req.on('end', this.#onEnd);
    req.on('error', this.#onError);
    req.on('close', this.#onClose);
    if (req.destroyed) this.#fail();
  }

  #data(chunk: Buffer): void {
    this.#kept?.push(chunk);
    const s = this.#current;
    // No stream between two attempts: the chunk is kept for the next one.
    if (s === undefined || !s.push(chunk)) this.#req.pause();
  }

  #end(): void {
    this.#ended = true;
    this.#current?.push(null);
  }

  #fail(cause?: Error): void {
    if (this.#ended || this.#cut !== undefined) return;
    this.#cut = new Error('client closed the connection while sending the body', { cause });
    this.#kept = undefined;
    // undici aborts the upstream request when its body errors.
    this.#current?.destroy(this.#cut);
  }
}
