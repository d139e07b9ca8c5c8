/**
 * The SSE response tap: upstream chunks in, client bytes out, observers in between. When no
 * observer modifies more than a few frames it forwards upstream bytes as they arrive,
 * byte-exact, up to the last complete frame (a client cannot use part of a frame anyway), with
 * the few replaced frames spliced in, and the parser only watches; otherwise it forwards frame
 * by frame. Either way it holds back the stream's terminal
 * frame (and anything after it) so the caller can release it only once usage is committed
 * (usage is committed before the client sees the end).
 */
import { createSseParser, type SseFrame, type SseParser } from '../../core/sse/parser.js';
import type { Dialect, DialectEvent } from '../dialects/index.js';
import { parseEvent } from '../dialects/parse-event.js';
import type { FrameObserver, StreamOutcome, Verdict } from './observers.js';

/** Where the tap's output goes (the client connection, with its backpressure). */
export interface TapSink {
  send(bytes: Uint8Array | string): void;
}

/** A frame of the stream sent as other bytes (`out`), or not at all. */
interface Splice {
  readonly start: number;
  readonly end: number;
  readonly out: Uint8Array | string | undefined;
}

export class SseTap {
  readonly #dialect: Dialect;
  readonly #observers: readonly FrameObserver[];
  readonly #sink: TapSink;
  readonly #onTerminal: () => void;
  readonly #parser: SseParser;
  /** No modifying observer: forward whole upstream chunks. */
  readonly #fast: boolean;
  #holding = false;
  #held: (Uint8Array | string)[] = [];
  /** Fast mode: bytes received but not sent yet (an unfinished frame), starting at #sent. */
  #tail: Uint8Array[] = [];
  /** Fast mode: stream offset up to which bytes went to the client. */
  #sent = 0;
  /** Stream offset just after the last frame the parser emitted (complete or a piece). */
  #emitted = 0;
  /** Stream offset where the terminal frame starts (valid once #holding). */
  #terminalStart = 0;
  /** Stream offset just after the last complete frame. */
  #frameEnd = 0;
  /** Fast mode: frames to send as other bytes (or none), in stream order, not sent yet (none made for a stream that has none). */
  #splices: Splice[] | undefined;
  #ended = false;

  constructor(dialect: Dialect, observers: readonly FrameObserver[], sink: TapSink, onTerminal: () => void) {
    this.#dialect = dialect;
    this.#observers = observers;
    this.#sink = sink;
    this.#onTerminal = onTerminal;
    this.#fast = !observers.some((o) => o.modifies === true);
    this.#parser = createSseParser({ onFrame: (f) => this.#onFrame(f) });
  }

  /** True once the terminal frame was seen (the stream is complete but for its release). */
  get sawTerminal(): boolean {
    return this.#holding;
  }

  /**
   * True when everything sent so far ends at a frame boundary, so one more frame (an error
   * frame) can follow cleanly. Only fast mode ever sends part of a frame.
   */
  get atFrameBoundary(): boolean {
    return !this.#fast || this.#sent === this.#frameEnd;
  }

  /** One upstream chunk. */
  push(chunk: Uint8Array): void {
    if (this.#holding && this.#fast) {
      this.#held.push(chunk);
      return;
    }
    this.#parser.push(chunk);
    if (!this.#fast) return;
    if (this.#tail.length === 0 && this.#sent + chunk.length <= this.#emitted && !this.#holding && this.#splices === undefined) {
      // The usual chunk: whole frames, sent as it came (no queue to go through).
      this.#sink.send(chunk);
      this.#sent += chunk.length;
      return;
    }
    this.#tail.push(chunk);
    this.#flushTail();
  }

  /** Upstream ended: an unterminated rest is relayed as it is. */
  end(): void {
    if (this.#holding && this.#fast) return;
    this.#parser.end();
    if (this.#fast) this.#flushTail();
  }

  /**
   * Fast mode: sends the received bytes up to the last frame boundary (or up to the terminal
   * frame, whose bytes and everything after go to #held). Whole chunks go as they are.
   */
  #flushTail(): void {
    const limit = this.#holding ? this.#terminalStart : this.#emitted;
    const tail = this.#tail;
    let i = 0;
    while (i < tail.length && this.#sent < limit) {
      const splice = this.#splices?.[0];
      let send = true;
      let stop = limit;
      if (splice !== undefined && splice.start < limit) {
        if (this.#sent === splice.start) {
          // At a replaced frame: its new bytes go, its own are skipped.
          if (splice.out !== undefined) this.#sink.send(splice.out);
          this.#dropSplice();
          send = false;
          stop = splice.end;
        } else stop = splice.start;
      }
      const piece = tail[i] as Uint8Array;
      const room = stop - this.#sent;
      if (piece.length <= room) {
        if (send) this.#sink.send(piece);
        this.#sent += piece.length;
        i++;
      } else {
        if (send) this.#sink.send(piece.subarray(0, room));
        this.#sent += room;
        tail[i] = piece.subarray(room);
      }
      // A skipped frame may end inside the next piece: go on skipping there.
      if (!send && this.#sent < stop) (this.#splices ??= []).unshift({ start: this.#sent, end: stop, out: undefined });
    }
    if (i > 0) tail.splice(0, i);
    if (this.#holding) {
      for (const rest of tail) this.#held.push(rest);
      tail.length = 0;
    }
  }

  #dropSplice(): void {
    this.#splices?.shift();
    if (this.#splices?.length === 0) this.#splices = undefined;
  }

  /** The held-back bytes (terminal frame onwards), to send after usage is committed. */
  takeHeld(): (Uint8Array | string)[] {
    const held = this.#held;
    this.#held = [];
    return held;
  }

  /** Tells every observer how the stream ended (once). */
  finish(outcome: StreamOutcome): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const o of this.#observers) o.onEnd?.(outcome);
  }

  #onFrame(frame: SseFrame): void {
    const end = frame.start + frame.raw.length;
    this.#emitted = end;
    if (frame.complete) this.#frameEnd = end;
    if (this.#holding) {
      if (!this.#fast) this.#held.push(frame.raw);
      return;
    }
    const verdict = this.#observe(frame);
    const terminal = frame.complete && this.#dialect.isTerminal(frame);
    if (terminal) {
      this.#holding = true;
      this.#terminalStart = frame.start;
      this.#onTerminal();
    }
    if (this.#fast) {
      // A frame not yet sent (a complete one always is: only pieces of an oversize frame go early).
      if (verdict !== 'keep' && frame.start >= this.#sent) (this.#splices ??= []).push({ start: frame.start, end, out: verdict === 'drop' ? undefined : verdict.replace });
      return;
    }
    const out = verdict === 'keep' ? frame.raw : verdict === 'drop' ? undefined : verdict.replace;
    if (out === undefined) return;
    if (terminal) this.#held.push(out);
    else this.#sink.send(out);
  }

  /** Runs the observers in order; the first verdict other than 'keep' decides. */
  #observe(frame: SseFrame): Verdict {
    const observers = this.#observers;
    let event: DialectEvent | undefined;
    for (const o of observers) {
      if (o.wants(frame)) {
        event = parseEvent(frame);
        break;
      }
    }
    for (const o of observers) {
      const v = o.onFrame(frame, event);
      if (v !== 'keep') return v;
    }
    return 'keep';
  }
}
