/**
 * The usage meter: folds what the backend reports (JSON body or stream events) into one
 * request's token counts. Reports are cumulative totals, so a later report overwrites the
 * fields it carries and never adds (Anthropic's message_start then message_delta).
 */
import type { JsonValue } from '../../core/json.js';
import type { SseFrame } from '../../core/sse/parser.js';
import type { UsageCounts } from '../context.js';
import type { Dialect, DialectEvent, UsageReport } from '../dialects/index.js';
import type { FrameObserver, Verdict } from './observers.js';

export class UsageMeter implements FrameObserver {
  readonly name = 'usage-meter';
  readonly modifies = false;
  #prompt = 0;
  #completion = 0;
  #cached = 0;
  #reasoning = 0;
  #reported = false;
  #promptReported = false;
  #backendError = false;
  /** Stream frames carrying generated output (one token each, as vLLM sends them). */
  #deltas = 0;
  /** Those of them carrying reasoning. */
  #reasoningDeltas = 0;
  /** The model the backend named in the body or a usage-carrying event (traces read it). */
  model: string | undefined;

  constructor(private readonly dialect: Dialect | undefined) {}

  /** Token counts so far (zeros when the backend reported none). */
  usage(): UsageCounts {
    return { promptTokens: this.#prompt, completionTokens: this.#completion, cachedTokens: this.#cached, reasoningTokens: this.#reasoning };
  }

  /**
   * The usage of a stream that ended without the backend's final report: what it reported, else
   * `inputTokens` for the prompt, one completion token per output delta relayed, and of those one
   * reasoning token per reasoning delta.
   */
  estimate(inputTokens: number): UsageCounts {
    return {
      promptTokens: this.#promptReported ? this.#prompt : inputTokens,
      completionTokens: Math.max(this.#completion, this.#deltas),
      cachedTokens: this.#cached,
      reasoningTokens: Math.max(this.#reasoning, this.#reasoningDeltas),
    };
  }

  /** Whether the backend reported an error inside the stream (its generation failed). */
  get backendError(): boolean {
    return this.#backendError;
  }

  /** Whether any usage was reported. */
  get reported(): boolean {
    return this.#reported;
  }

  add(report: UsageReport | undefined): void {
    if (report === undefined) return;
    this.#reported = true;
    if (report.promptTokens !== undefined) {
      this.#prompt = report.promptTokens;
      this.#promptReported = true;
    }
    if (report.completionTokens !== undefined) this.#completion = report.completionTokens;
    if (report.cachedTokens !== undefined) this.#cached = report.cachedTokens;
    if (report.reasoningTokens !== undefined) this.#reasoning = report.reasoningTokens;
  }

  wants(frame: SseFrame): boolean {
    return this.dialect !== undefined && frame.complete && this.dialect.frameMayCarryUsage(frame);
  }

  onFrame(frame: SseFrame, event: DialectEvent | undefined): Verdict {
    const delta = this.dialect?.outputDelta(frame);
    if (delta !== undefined) {
      this.#deltas++;
      if (delta === 'reasoning') this.#reasoningDeltas++;
    } else if (!this.#backendError && this.dialect?.isErrorFrame(frame) === true) this.#backendError = true;
    if (event !== undefined && this.dialect !== undefined) {
      this.add(this.dialect.usageFromEvent(event));
      this.model ??= this.dialect.responseModel(event.data);
    }
    return 'keep';
  }

  onBody(body: JsonValue): JsonValue {
    if (this.dialect !== undefined) {
      this.add(this.dialect.usageFromBody(body));
      this.model ??= this.dialect.responseModel(body);
    }
    return body;
  }
}
