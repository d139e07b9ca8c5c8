/**
 * One relay per kind of backend response, chosen when its head arrives: raw bytes (anything
 * the gateway does not read), a whole JSON body (metered, maybe rewritten, sent with its
 * length), or an SSE stream through the tap (metered frame by frame, the terminal frame held
 * until usage is committed).
 */
import type { JsonObject, JsonValue } from '../../core/json.js';
import { utf8Text } from '../../core/json.js';
import { leadingStringMember } from '../../core/json-lead-string.js';
import { topLevelObjectMember, UNKNOWN } from '../../core/json-tail-member.js';
import type { RequestFacts } from '../context.js';
import type { Dialect } from '../dialects/index.js';
import { asAnthropicError } from '../dialects/anthropic-messages.js';
import type { FrameObserver, StreamOutcome } from '../tap/observers.js';
import { SseTap } from '../tap/tap.js';
import type { UsageMeter } from '../tap/usage-meter.js';
import type { ClientWriter } from './client-writer.js';
import type { UsageLedger } from './usage-ledger.js';

export interface Relay {
  /** A body chunk from the backend. */
  data(chunk: Buffer): void;
  /** The backend's response ended: commit the usage, then end the client's response. */
  complete(): Promise<void>;
  /**
   * The backend failed after the client got the head; usage is committed. `errorBody` is the
   * endpoint's JSON error body, for a stream's error frame.
   */
  failed(errorBody: JsonObject): void;
  /** The response is over without completing (the client left, or an error answered it). */
  abandoned(outcome: StreamOutcome): void;
}

/** Bytes the gateway does not read, relayed as they arrive. */
export class RawRelay implements Relay {
  constructor(
    private readonly writer: ClientWriter,
    private readonly ledger: UsageLedger,
  ) {}
  data(chunk: Buffer): void {
    this.writer.send(chunk);
  }
  async complete(): Promise<void> {
    await this.ledger.commit();
    this.writer.end();
  }
  failed(): void {
    // A body cut short: closing without the final chunk tells the client it is incomplete.
    this.writer.destroy();
  }
  abandoned(): void {}
}

/**
 * A backend answer the client must not get as it is (the backend refused the gateway's own
 * credentials): its body is dropped, and `instead` answers once it has ended.
 */
export class WithheldRelay implements Relay {
  constructor(private readonly instead: () => Promise<void>) {}
  data(): void {}
  complete(): Promise<void> {
    return this.instead();
  }
  failed(): void {}
  abandoned(): void {}
}

/** Error bodies are small: a larger one is relayed as it comes. */
const MAX_ERROR_BYTES = 64 * 1024;

/**
 * An error answer on the Anthropic surface (/v1/messages and below), read whole and sent in
 * Anthropic's envelope when the backend used another (`asAnthropicError`), so Anthropic's SDKs
 * and Claude Code read its type and message.
 */
export class AnthropicErrorRelay implements Relay {
  #chunks: Buffer[] = [];
  #size = 0;
  #raw = false;
  constructor(
    private readonly writer: ClientWriter,
    private readonly ledger: UsageLedger,
    private readonly headers: string[],
  ) {}
  data(chunk: Buffer): void {
    if (this.#raw) return this.writer.send(chunk);
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    if (this.#size <= MAX_ERROR_BYTES) return;
    this.#raw = true;
    this.writer.head(this.ledger.status, this.headers);
    for (const c of this.#chunks) this.writer.send(c);
    this.#chunks = [];
  }
  async complete(): Promise<void> {
    await this.ledger.commit();
    if (this.#raw) return this.writer.end();
    if (this.writer.destroyed) return;
    const body = Buffer.concat(this.#chunks);
    this.writer.whole(this.ledger.status, this.headers, asAnthropicError(this.ledger.status, body) ?? body);
  }
  failed(): void {
    this.writer.destroy();
  }
  abandoned(): void {}
}

const NO_USAGE_BODY: JsonValue = Object.freeze({});

/** A JSON body read whole: metered (and rewritten when an observer does), then sent with its length. */
export class JsonRelay implements Relay {
  #chunks: Buffer[] = [];
  constructor(
    private readonly writer: ClientWriter,
    private readonly ledger: UsageLedger,
    private readonly meter: UsageMeter,
    private readonly observers: readonly FrameObserver[],
    private readonly headers: string[],
  ) {}
  data(chunk: Buffer): void {
    this.#chunks.push(chunk);
  }
  async complete(): Promise<void> {
    const chunks = this.#chunks;
    this.#chunks = [];
    let body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    const { meter, observers } = this;
    // Only the meter reads the body (no filter rewrites it): read just its `usage` member.
    const usage = observers.every((o) => o === meter || o.onBody === undefined) ? topLevelObjectMember(body, 'usage') : UNKNOWN;
    if (usage !== UNKNOWN) {
      meter.onBody(usage === undefined ? NO_USAGE_BODY : { usage });
      // Traces name the answering model. A request whose body was not read for its model
      // (embeddings, forwarded as bytes) is logged and labelled under it: vLLM answers an
      // unshaped request with the very name it was sent. The body is not parsed otherwise.
      const ledger = this.ledger;
      if (ledger.span !== undefined || ledger.modelFromAnswer) {
        const answered = leadingStringMember(body, 'model');
        if (ledger.span !== undefined) meter.model = answered;
        if (ledger.modelFromAnswer) {
          ledger.model = answered;
          ledger.requestedModel ??= answered;
        }
      }
    } else {
      let parsed: JsonValue | undefined;
      try {
        parsed = JSON.parse(utf8Text(body)) as JsonValue;
      } catch {
        parsed = undefined; // not JSON after all: relayed as is, no usage
      }
      if (parsed !== undefined) {
        let out = parsed;
        for (const o of observers) if (o.onBody !== undefined) out = o.onBody(out);
        if (out !== parsed) body = Buffer.from(JSON.stringify(out));
      }
    }
    await this.ledger.commit();
    for (const o of observers) o.onEnd?.('complete');
    if (this.writer.destroyed) return;
    this.writer.whole(this.ledger.status, this.headers, body);
  }
  failed(): void {
    // Never reached: nothing of a JSON body is sent before it is whole.
    this.writer.destroy();
  }
  abandoned(): void {}
}

/** An event stream through the tap; its end is released only after the commit. */
export class SseRelay implements Relay {
  readonly #tap: SseTap;
  constructor(
    private readonly writer: ClientWriter,
    private readonly ledger: UsageLedger,
    private readonly dialect: Dialect,
    observers: readonly FrameObserver[],
  ) {
    this.#tap = new SseTap(dialect, observers, writer, () => {
      ledger.terminal();
      void ledger.commit();
    });
  }
  data(chunk: Buffer): void {
    this.#tap.push(chunk);
  }
  async complete(): Promise<void> {
    const tap = this.#tap;
    tap.end();
    await this.ledger.commit();
    tap.finish('complete');
    this.#release();
  }
  failed(errorBody: JsonObject): void {
    const tap = this.#tap;
    if (tap.sawTerminal) {
      // Everything but the release had arrived: the stream is complete.
      tap.finish('complete');
      this.#release();
      return;
    }
    tap.finish('upstream-error');
    if (tap.atFrameBoundary) {
      this.writer.send(this.dialect.errorFrame(errorBody));
      this.writer.end();
    } else {
      // Half a frame is out: nothing valid can follow it, so the connection is closed instead.
      this.writer.destroy();
    }
  }
  abandoned(outcome: StreamOutcome): void {
    this.#tap.finish(outcome);
  }
  #release(): void {
    for (const bytes of this.#tap.takeHeld()) this.writer.send(bytes);
    this.writer.end();
  }
}

/** The observers of one response: the meter first, then each factory's that applies. */
export type ObserversFor = (dialect: Dialect, facts: RequestFacts, meter: UsageMeter) => readonly FrameObserver[];
