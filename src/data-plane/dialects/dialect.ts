/**
 * What every wire dialect (OpenAI chat, completions, responses; Anthropic messages) tells the
 * rest of the data plane: where usage lives in a JSON body and in a stream, which frame ends
 * a stream, and how an error is framed inside a stream. Nothing outside dialects/ knows these.
 */
import type { JsonObject, JsonValue } from '../../core/json.js';
import type { SseFrame } from '../../core/sse/parser.js';

/** A stream frame whose data was parsed as JSON, once. */
export interface DialectEvent {
  /** The SSE `event:` name, else the JSON `type` (undefined when neither). */
  readonly name: string | undefined;
  readonly data: JsonValue;
}

/**
 * Usage as a response or event reported it. Backends report cumulative totals, so a later
 * report overwrites the fields it carries and never adds (an absent field keeps its value).
 */
export interface UsageReport {
  readonly promptTokens?: number;
  readonly completionTokens?: number;
}

export interface Dialect {
  readonly name: 'openai-chat' | 'openai-completions' | 'openai-responses' | 'anthropic-messages';
  /** Usage in a complete (non-stream) JSON response body. */
  usageFromBody(body: JsonValue): UsageReport | undefined;
  /** Cheap test on raw bytes: could this frame carry usage? Only those frames are parsed. */
  frameMayCarryUsage(frame: SseFrame): boolean;
  /** Usage carried by a parsed stream event. */
  usageFromEvent(event: DialectEvent): UsageReport | undefined;
  /** The frame that ends a successful stream (`[DONE]`, `message_stop`, `response.completed`…). */
  isTerminal(frame: SseFrame): boolean;
  /** OpenAI's extra final chunk that carries only usage (`choices: []`). */
  isUsageOnlyChunk(event: DialectEvent): boolean;
  /** An in-stream error frame carrying `body` (the endpoint's JSON error body). */
  errorFrame(body: JsonObject): string;
}
