// A bare node:http client for simulator tests: keeps every body chunk as received and
// reports resets instead of throwing, so tests can assert on framing and faults.

import { request } from 'node:http';
import type { ClientRequest, IncomingHttpHeaders } from 'node:http';
import { afterEach } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import type { Simulator, SimulatorOptions } from '../../src/simulator/index.js';

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly chunks: readonly Buffer[];
  readonly body: Buffer;
  readonly text: string;
  /** Set when the connection failed or was reset before the body ended. */
  readonly error: Error | undefined;
}

export interface RawOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** An object is sent as JSON (with content-type application/json). */
  readonly body?: unknown;
}

/** A request whose response is still arriving; `abort()` closes the connection. */
export interface OpenRequest {
  /** Resolves with status and headers (rejects on connection errors before headers). */
  readonly head: Promise<{ status: number; headers: IncomingHttpHeaders }>;
  /** Resolves once the body ended or the connection failed. */
  readonly done: Promise<RawResponse>;
  readonly chunks: Buffer[];
  /** Resolves once at least `n` body bytes arrived. */
  bytes(n: number): Promise<void>;
  abort(): void;
}

export function openRequest(base: string, path: string, opts: RawOptions = {}): OpenRequest {
  const headers: Record<string, string> = { ...opts.headers };
  let payload: Buffer | undefined;
  if (opts.body !== undefined) {
    payload = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(payload.length);
  }
  const chunks: Buffer[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let received = 0;
  let req!: ClientRequest;
  let resolveHead!: (h: { status: number; headers: IncomingHttpHeaders }) => void;
  let rejectHead!: (e: Error) => void;
  const head = new Promise<{ status: number; headers: IncomingHttpHeaders }>((res, rej) => {
    resolveHead = res;
    rejectHead = rej;
  });
  head.catch(() => undefined);
  const done = new Promise<RawResponse>((resolve) => {
    let status = 0;
    let resHeaders: IncomingHttpHeaders = {};
    const finish = (error: Error | undefined): void => {
      const body = Buffer.concat(chunks);
      resolve({ status, headers: resHeaders, chunks, body, text: body.toString('utf8'), error });
    };
    req = request(`${base}${path}`, { method: opts.method ?? (payload === undefined ? 'GET' : 'POST'), headers, agent: false }, (res) => {
      status = res.statusCode ?? 0;
      resHeaders = res.headers;
      resolveHead({ status, headers: res.headers });
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        received += c.length;
        for (const w of waiters.filter((x) => received >= x.n)) w.resolve();
      });
      res.on('end', () => finish(undefined));
      res.on('error', (e) => finish(e));
      res.on('aborted', () => finish(new Error('aborted')));
    });
    req.on('error', (e) => {
      rejectHead(e);
      finish(e);
    });
    req.end(payload);
  });
  return {
    head,
    done,
    chunks,
    bytes: (n) => (received >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    abort: () => req.destroy(),
  };
}

/** One request, awaited to the end. */
export function rawRequest(base: string, path: string, opts: RawOptions = {}): Promise<RawResponse> {
  return openRequest(base, path, opts).done;
}

/** Splits an SSE body into frames (on blank lines). */
export function sseFrames(text: string): string[] {
  return text.split('\n\n').filter((f) => f !== '').map((f) => `${f}\n\n`);
}

/** The JSON payloads of `data:` frames, skipping `[DONE]` and comments. */
export function sseJson(text: string): Record<string, unknown>[] {
  return sseFrames(text)
    .map((f) => /^(?:event: .*\n)?data: (.*)\n\n$/s.exec(f)?.[1])
    .filter((d): d is string => d !== undefined && d !== '[DONE]')
    .map((d) => JSON.parse(d) as Record<string, unknown>);
}

/**
 * One simulator per test, closed after each: `start(options)` creates and binds it and
 * returns its URL; `current` is the running one.
 */
export function simulatorPerTest(): { start(options?: SimulatorOptions): Promise<string>; readonly current: Simulator } {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });
  return {
    async start(options = {}) {
      sim = createSimulator(options);
      return (await sim.listen()).url;
    },
    get current(): Simulator {
      if (sim === undefined) throw new Error('no simulator started in this test');
      return sim;
    },
  };
}
