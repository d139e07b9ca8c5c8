/**
 * What every wire format (OpenAI chat, completions, responses; Anthropic messages) tells the
 * rest of the data plane, one module per format owning both sides. Request side: which fields
 * hold the output budget, which hold prompt text and user-written text, where a system prompt
 * goes, how to ask /tokenize for a count. Response side: where usage lives in a JSON body and
 * in a stream, which frame ends a stream, how an error is framed inside a stream, which
 * strings are natural-language output. Nothing outside dialects/ knows these.
 */
import type { JsonObject, JsonValue } from '../../core/json.js';
import type { SseFrame } from '../../core/sse/parser.js';

/** What a stream frame of generated output holds: reasoning, or the rest of the output. */
export type OutputDelta = 'output' | 'reasoning';

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
  /** Prompt tokens served from the prefix (KV) cache; part of promptTokens. */
  readonly cachedTokens?: number;
  /** Completion tokens spent on reasoning; part of completionTokens. */
  readonly reasoningTokens?: number;
}

export interface Dialect {
  readonly name: 'openai-chat' | 'openai-completions' | 'openai-responses' | 'openai-embeddings' | 'anthropic-messages';
  /** Usage in a complete (non-stream) JSON response body. */
  usageFromBody(body: JsonValue): UsageReport | undefined;
  /** Cheap test on raw bytes: could this frame carry usage? Only those frames are parsed. */
  frameMayCarryUsage(frame: SseFrame): boolean;
  /** Usage carried by a parsed stream event. */
  usageFromEvent(event: DialectEvent): UsageReport | undefined;
  /** The model named in a JSON response body or a usage-carrying stream event, if any. */
  responseModel(data: JsonValue): string | undefined;
  /** The frame that ends a successful stream (`[DONE]`, `message_stop`, `response.completed`…). */
  isTerminal(frame: SseFrame): boolean;
  /** OpenAI's extra final chunk that carries only usage (`choices: []`). */
  isUsageOnlyChunk(event: DialectEvent): boolean;
  /** An in-stream error frame carrying `body` (the endpoint's JSON error body). */
  errorFrame(body: JsonObject): string;
  /** Cheap test: is this stream frame the backend reporting an error (the generation failed)? */
  isErrorFrame(frame: SseFrame): boolean;
  /**
   * Cheap test on raw bytes: does this complete stream frame carry generated output, and is it
   * reasoning or the rest (text, a tool call's fragment)? vLLM sends one such frame per
   * generated token: their counts are the completion and reasoning estimate of a stream that
   * ends without the backend's usage. Undefined for any other frame.
   */
  outputDelta(frame: SseFrame): OutputDelta | undefined;
  /** A stream event's data with Han stripped from its natural-language fields (same ref if unchanged). */
  stripHanFromEvent(data: JsonValue): JsonValue;
  /** A whole JSON response with Han stripped (same ref if unchanged). */
  stripHanFromBody(body: JsonValue): JsonValue;
  /** A new corrector for one response, when vLLM's answers in this format need one. */
  readonly conformer?: () => ResponseConformer;
}

/**
 * Puts right, response by response, what vLLM's answers in a format leave out or say
 * differently from the API the format imitates, where clients and their SDKs read it. May keep
 * state across one response's events (what an earlier event said).
 */
export interface ResponseConformer {
  /** Cheap test on raw bytes: must this complete stream frame be looked at (parsed)? */
  wants(frame: SseFrame): boolean;
  /** A stream event's data as the API sends it (the same reference when nothing changes). */
  event(event: DialectEvent): JsonValue;
  /** A whole JSON response as the API sends it (the same reference when nothing changes). */
  body(body: JsonValue): JsonValue;
}

/** The request side of a wire format. */
export interface RequestFormat {
  /** The output-budget field(s); the first one names the `x-worv-max-tokens-capped` header. */
  readonly maxTokensFields: readonly string[];
  /** The fields whose text the chat template renders into the prompt (the length estimate). */
  readonly promptFields: readonly string[];
  /** The prompt field that may hold token ids (a completions `prompt`), counted one token each. */
  readonly tokenIdField?: string;
  /** Calls `visit` with each user-written text (script detection); stops when it returns false. */
  readonly userTexts: (body: Readonly<JsonObject>, visit: (text: string) => boolean) => void;
  /**
   * The body with `ours` before the client's system prompt (kept, never replaced); undefined
   * when this format has no system prompt or the client's has a shape we do not know.
   */
  readonly withSystemPrompt?: (body: Readonly<JsonObject>, ours: string) => JsonObject | undefined;
  /** The backend's `POST /tokenize` body for this request, or undefined when it cannot be said. */
  readonly tokenizeBody: (body: Readonly<JsonObject>) => JsonObject | undefined;
}
