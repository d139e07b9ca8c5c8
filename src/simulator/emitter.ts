// Writes an SSE answer over time: steps of frames at TTFT then every inter-token delay,
// cut into writes per the chunking mode, with `: ping` comments, test holds and mid-stream
// faults placed exactly after the k-th event. Honours backpressure.

import { formatSseComment } from '../core/sse/writer.js';
import type { Exchange } from './exchange.js';
import { isMidStream } from './faults.js';
import type { MidStreamFault } from './faults.js';

/** A dialect's stream: its steps (each a list of frames written together) and its error frames. */
export interface StreamSource {
  readonly steps: Iterator<readonly string[]>;
  /** Frames for an in-stream error (e.g. an error frame then `data: [DONE]`). */
  errorFrames(message: string): readonly string[];
}

const PING = formatSseComment('ping');

/** Streams `source` over `x` (headers must not have been sent). */
export function emitStream(x: Exchange, source: StreamSource): void {
  new Emitter(x, source).start();
}

class Emitter {
  private queue: readonly string[] = [];
  private qi = 0;
  private out: string[] = [];
  /** SSE events written (comments excluded). */
  private n = 0;
  private busy = false;
  private timerDue = false;
  private timerPending = false;
  private first = true;
  private peeked: IteratorResult<readonly string[]> | undefined;
  private fault: MidStreamFault | undefined;
  private hold: { readonly tag: string; readonly after: number } | undefined;
  private readonly itl: number;

  constructor(private readonly x: Exchange, private readonly source: StreamSource) {
    const f = x.fault;
    this.fault = f !== undefined && isMidStream(f) ? f : undefined;
    this.hold = x.controls.hold;
    this.itl = x.controls.itlMs;
  }

  start(): void {
    this.x.head(200, 'text/event-stream; charset=utf-8');
    this.x.res.on('drain', () => {
      if (this.busy) return;
      this.pump();
    });
    this.timerDue = this.x.ttftMs <= 0;
    this.pump();
  }

  private parked = false;

  private readonly resume = (): void => {
    this.parked = false;
    this.pump();
  };

  private readonly tick = (): void => {
    this.timerPending = false;
    this.timerDue = true;
    this.pump();
  };

  private pump(): void {
    for (;;) {
      if (this.x.dead || this.busy || this.x.res.writableNeedDrain) return;
      if (this.checkpoint()) return;
      if (this.qi < this.queue.length) {
        this.emitFrame(this.queue[this.qi++] as string);
        continue;
      }
      this.peeked ??= this.source.steps.next();
      if (this.peeked.done === true) {
        this.x.generatedTokens(Infinity);
        this.flush(() => this.x.end());
        return;
      }
      if (!this.timerDue) {
        // TTFT before the first step, the inter-token delay before the others.
        if (!this.timerPending) {
          this.timerPending = true;
          const delay = this.first ? this.x.ttftMs : this.itl;
          this.flush(() => this.x.after(delay, this.tick));
        } else this.flush(() => undefined);
        return;
      }
      // A hung engine stops between steps; the stream goes on once the mode is lifted.
      if (!this.parked && !this.x.sim.engine.whenProgressing(this.resume)) {
        this.parked = true;
        this.flush(() => undefined);
        return;
      }
      if (this.parked) return;
      this.x.generatedTokens(1);
      this.queue = this.peeked.value;
      this.qi = 0;
      this.peeked = undefined;
      this.first = false;
      this.timerDue = this.itl <= 0;
    }
  }

  private emitFrame(frame: string): void {
    const every = this.x.controls.pingEvery;
    if (every > 0 && this.n > 0 && this.n % every === 0) this.out.push(PING);
    this.out.push(frame);
    this.n++;
  }

  /** At a hold or fault point: flushes, acts, and returns true (the pump stops). */
  private checkpoint(): boolean {
    const hold = this.hold;
    if (hold !== undefined && hold.after === this.n) {
      this.hold = undefined;
      this.flush(() => {
        void this.x.sim.holds.reach({ tag: hold.tag, requestId: this.x.record.id, request: this.x.record, chunks: this.n }).then(() => this.pump());
      });
      return true;
    }
    const fault = this.fault;
    if (fault !== undefined && fault.afterChunks === this.n) {
      this.fault = undefined;
      this.flush(() => this.applyFault(fault));
      return true;
    }
    return false;
  }

  private applyFault(fault: MidStreamFault): void {
    switch (fault.kind) {
      case 'stall':
        if (fault.ms !== undefined) this.x.after(fault.ms, () => this.pump());
        return;
      case 'reset':
        this.x.resetAfterFlush();
        return;
      case 'error':
        this.out.push(...this.source.errorFrames(fault.message ?? 'Simulated error during generation'));
        this.flush(() => this.x.end());
        return;
    }
  }

  /** Writes what was gathered, cut per the chunking mode, then calls `then` (maybe later). */
  private flush(then: () => void): void {
    const pieces = this.out;
    this.out = [];
    if (pieces.length === 0) {
      then();
      return;
    }
    const chunking = this.x.controls.chunking;
    if (chunking.mode === 'step') {
      this.x.write(pieces.length === 1 ? (pieces[0] as string) : pieces.join(''));
      then();
      return;
    }
    const parts: (string | Buffer)[] = [];
    if (chunking.mode === 'frame') parts.push(...pieces);
    else {
      const buf = Buffer.from(pieces.join(''), 'utf8');
      for (let i = 0; i < buf.length; i += chunking.size) parts.push(buf.subarray(i, i + chunking.size));
    }
    this.busy = true;
    this.writeParts(parts, 0, then);
  }

  /** One write per part, a macrotask apart, so they leave as separate TCP segments. */
  private writeParts(parts: readonly (string | Buffer)[], i: number, then: () => void): void {
    if (this.x.dead) return;
    this.x.write(parts[i] as string | Buffer);
    if (i + 1 < parts.length) {
      setImmediate(() => this.writeParts(parts, i + 1, then));
      return;
    }
    this.busy = false;
    then();
  }
}
