// One request/response pair: writes that are also recorded, timers that die with the
// connection, and the end of the exchange (finished, aborted by the client, or reset by us).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Controls } from './controls.js';
import type { Engine } from './engine.js';
import { SIM_REQUEST_ID_HEADER } from './controls.js';
import type { Fault } from './faults.js';
import type { Holds } from './holds.js';
import type { ResolvedOptions } from './options.js';
import type { Outcome, RequestRecord } from './recorder.js';
import type { Scheduler } from './scheduler.js';

/** Live counters behind /metrics. */
export interface SimMetrics {
  running: number;
  promptTokens: number;
  generationTokens: number;
  success: Record<string, number>;
}

/** What an exchange needs from its simulator. */
export interface SimCore {
  readonly options: ResolvedOptions;
  readonly scheduler: Scheduler;
  readonly holds: Holds;
  readonly metrics: SimMetrics;
  readonly engine: Engine;
  /** Called once per exchange when it ends. */
  onEnd(record: RequestRecord, outcome: Outcome): void;
}

/** Headers on every simulator response. */
const BASE_HEADERS = { server: 'vllm-simulator' } as const;

export class Exchange {
  private resetByUs = false;
  /** True once the connection closed or the response ended; timers check it. */
  dead = false;
  /** Prefill time of the prompt's uncached tokens, added to the time to first token. */
  prefillMs = 0;
  /** Output tokens planned, and those counted into the generation counter so far. */
  private planned = 0;
  private generated = 0;

  constructor(
    readonly sim: SimCore,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly record: RequestRecord,
    readonly controls: Controls,
    /** The fault for this request: its header's, else the global one. */
    readonly fault: Fault | undefined,
  ) {
    // A write racing a client disconnect must not crash the simulator.
    res.on('error', () => undefined);
    req.on('error', () => undefined);
    res.on('close', () => {
      this.dead = true;
      const outcome: Outcome = res.writableFinished ? 'finished' : this.resetByUs ? 'reset' : 'aborted';
      if (record.end(outcome)) sim.onEnd(record, outcome);
    });
  }

  /** The time to first token of this request: the controls' plus the prefill time. */
  get ttftMs(): number {
    return this.controls.ttftMs + this.prefillMs;
  }

  /** The answer will have `tokens` output tokens (counted as they are generated). */
  plan(tokens: number): void {
    this.planned = tokens;
  }

  /** `n` more output tokens were generated (never more than planned); `Infinity` = the rest. */
  generatedTokens(n: number): void {
    const add = Math.min(n, this.planned - this.generated);
    if (add <= 0) return;
    this.generated += add;
    this.sim.metrics.generationTokens += add;
  }

  /** Sends status and headers now (SSE starts this way). */
  head(status: number, contentType: string): void {
    this.record.status = status;
    this.res.writeHead(status, {
      ...BASE_HEADERS,
      'content-type': contentType,
      [SIM_REQUEST_ID_HEADER]: String(this.record.id),
    });
    this.res.flushHeaders();
  }

  /** Writes body bytes (recorded); false means the socket buffer is full (wait for 'drain'). */
  write(chunk: string | Buffer): boolean {
    this.record.addSent(chunk);
    return this.res.write(chunk);
  }

  /** Ends the response. */
  end(): void {
    this.dead = true;
    this.res.end();
  }

  /** A complete response with a body (JSON or empty), sent at once. */
  send(status: number, body: string, contentType = 'application/json'): void {
    if (this.dead) return;
    this.record.status = status;
    this.record.addSent(body);
    const headers: Record<string, string> = { ...BASE_HEADERS, [SIM_REQUEST_ID_HEADER]: String(this.record.id) };
    if (body !== '' || contentType !== 'application/json') headers['content-type'] = contentType;
    headers['content-length'] = String(Buffer.byteLength(body));
    this.res.writeHead(status, headers);
    this.dead = true;
    this.res.end(body);
  }

  /** Destroys the socket without a proper end (the client sees a reset or a truncated body). */
  reset(): void {
    this.resetByUs = true;
    this.dead = true;
    this.res.destroy();
    this.req.socket.destroy();
  }

  /**
   * Resets once what was written has left: node:http corks the socket for a tick on each
   * write, so an immediate destroy would drop the last chunks.
   */
  resetAfterFlush(): void {
    this.dead = true;
    const socket = this.req.socket;
    setImmediate(() => {
      if (socket.writableLength > 0) socket.once('drain', () => this.reset());
      else this.reset();
    });
  }

  /** Runs `fn` after `ms` unless the exchange died meanwhile. */
  after(ms: number, fn: () => void): void {
    this.sim.scheduler.after(ms, () => {
      if (!this.dead) fn();
    });
  }
}
