// The request log tests read: what arrived (method, url, headers, raw and parsed body), what
// was sent back (status, body bytes, bounded), and how it ended (finished or aborted).

import type { IncomingHttpHeaders } from 'node:http';

/**
 * How a response ended: fully written; the client closed the connection first; or the
 * simulator itself destroyed the socket (a `drop`/`reset` fault, or close()).
 */
export type Outcome = 'finished' | 'aborted' | 'reset';

/** One received request. */
export interface RecordedRequest {
  /** 1, 2, 3… in arrival order; also sent back as the `x-sim-request-id` response header. */
  readonly id: number;
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  /** Path without the query. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The request body exactly as received. */
  readonly rawBody: Buffer;
  /** The body parsed as JSON, or undefined (no body, or not JSON). */
  readonly body: unknown;
  /** performance.now() at arrival. */
  readonly receivedAt: number;
  /** Response status once headers were sent (undefined before). */
  readonly status: number | undefined;
  /** Set once the response ended. */
  readonly outcome: Outcome | undefined;
  /** Resolves when the response ends: 'finished', 'aborted' (client went away first) or 'reset'. */
  readonly closed: Promise<Outcome>;
  /** The response body bytes written so far (at most `recordBytesLimit`). */
  sentBytes(): Buffer;
  /** The response body written so far, as UTF-8 text. */
  sentText(): string;
  /** True when more bytes were sent than the log kept. */
  readonly sentTruncated: boolean;
}

/** The mutable record behind a RecordedRequest. */
export class RequestRecord implements RecordedRequest {
  status: number | undefined = undefined;
  outcome: Outcome | undefined = undefined;
  sentTruncated = false;
  readonly closed: Promise<Outcome>;
  private resolveClosed!: (o: Outcome) => void;
  private readonly sent: Buffer[] = [];
  private sentLength = 0;

  constructor(
    readonly id: number,
    readonly method: string,
    readonly url: string,
    readonly path: string,
    readonly headers: IncomingHttpHeaders,
    readonly rawBody: Buffer,
    readonly body: unknown,
    readonly receivedAt: number,
    private readonly bytesLimit: number,
    private readonly keepBytes: boolean,
  ) {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  /** Keeps a copy of written body bytes, up to the limit. */
  addSent(chunk: string | Buffer): void {
    if (!this.keepBytes) return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const room = this.bytesLimit - this.sentLength;
    if (buf.length > room) this.sentTruncated = true;
    if (room <= 0) return;
    const kept = buf.length > room ? buf.subarray(0, room) : buf;
    this.sent.push(kept);
    this.sentLength += kept.length;
  }

  sentBytes(): Buffer {
    return Buffer.concat(this.sent, this.sentLength);
  }

  sentText(): string {
    return this.sentBytes().toString('utf8');
  }

  /** Marks the end once; later calls are ignored. */
  end(outcome: Outcome): boolean {
    if (this.outcome !== undefined) return false;
    this.outcome = outcome;
    this.resolveClosed(outcome);
    return true;
  }
}

interface Waiter {
  readonly predicate: (r: RecordedRequest) => boolean;
  readonly resolve: (r: RecordedRequest) => void;
}

/** A bounded log with awaitable arrivals. */
export class RequestLog {
  private readonly entries: RequestRecord[] = [];
  private waiters: Waiter[] = [];

  constructor(private readonly limit: number) {}

  add(r: RequestRecord): void {
    this.entries.push(r);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.predicate(r)) w.resolve(r);
      else still.push(w);
    }
    this.waiters = still;
  }

  list(): readonly RecordedRequest[] {
    return this.entries.slice();
  }

  find(id: number): RecordedRequest | undefined {
    return this.entries.find((r) => r.id === id);
  }

  clear(): void {
    this.entries.length = 0;
  }

  /** Resolves with the first future request matching `predicate`; `cancel` removes the waiter. */
  wait(predicate: (r: RecordedRequest) => boolean): { promise: Promise<RecordedRequest>; cancel: () => void } {
    let waiter!: Waiter;
    const promise = new Promise<RecordedRequest>((resolve) => {
      waiter = { predicate, resolve };
    });
    this.waiters.push(waiter);
    return { promise, cancel: () => { this.waiters = this.waiters.filter((w) => w !== waiter); } };
  }
}
