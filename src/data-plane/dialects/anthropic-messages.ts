/**
 * Anthropic Messages. Request: `max_tokens`, prompt text in `system`, `messages`, `tools`;
 * the system prompt is the top-level `system` (a string or text blocks); /tokenize gets the
 * conversation as text-only chat messages. count_tokens takes the same body without a budget.
 * Response: usage in the body's `usage`; in a stream, `message_start.message.usage` then
 * cumulative `message_delta.usage` (overwrite, never add); the stream ends with
 * `message_stop`; errors are `event: error` frames; text in text and thinking blocks.
 */
import { isJsonObject } from '../../core/json.js';
import type { JsonObject, JsonValue } from '../../core/json.js';
import { formatSseEvent } from '../../core/sse/writer.js';
import type { SseFrame } from '../../core/sse/parser.js';
import { anthropicConformer } from './anthropic-conformance.js';
import { ascii, indexOfBytes } from './bytes.js';
import type { Dialect, DialectEvent, OutputDelta, RequestFormat, UsageReport } from './dialect.js';
import { all, each, field, hanText, ofType } from './json-rewrite.js';
import { child, count, text, usageReport } from './numbers.js';
import { eventNameIn } from './parse-event.js';
import { chatTokenizeBody, prependContent, userMessageTexts } from './request-text.js';

/**
 * Input = input_tokens + cache creation + cache reads (all three are prompt tokens); cached =
 * cache reads. Anthropic reports no reasoning count (thinking is part of output_tokens).
 */
function anthropicUsage(usage: JsonValue | undefined): UsageReport | undefined {
  const input = count(usage, 'input_tokens');
  const completionTokens = count(usage, 'output_tokens');
  const cacheRead = count(usage, 'cache_read_input_tokens');
  const promptTokens = input === undefined ? undefined : input + (count(usage, 'cache_creation_input_tokens') ?? 0) + (cacheRead ?? 0);
  if (promptTokens === undefined && completionTokens === undefined) return undefined;
  return usageReport(promptTokens, completionTokens, cacheRead, undefined);
}

const USAGE_EVENTS = ['message_start', 'message_delta'];
const STOP_EVENTS = ['message_stop'];
const ERROR_EVENTS = ['error'];
const DELTA_EVENTS = ['content_block_delta'];
// A thinking block's closing signature is no generated token.
const SIGNATURE_DELTA = ascii('"signature_delta"');
const THINKING_DELTA = ascii('"thinking_delta"');

/** Text, thinking and tool-input deltas. */
function messagesOutputDelta(frame: SseFrame): OutputDelta | undefined {
  if (!frame.complete || !eventNameIn(frame, DELTA_EVENTS) || indexOfBytes(frame.raw, SIGNATURE_DELTA) !== -1) return undefined;
  return indexOfBytes(frame.raw, THINKING_DELTA) === -1 ? 'output' : 'reasoning';
}

// Text and thinking blocks and their deltas; tool_use / input_json_delta / signature_delta are
// other types and pass untouched.
const BLOCK = all(ofType(['text'], field('text', hanText)), ofType(['thinking'], field('thinking', hanText)));
const DELTA = all(ofType(['text_delta'], field('text', hanText)), ofType(['thinking_delta'], field('thinking', hanText)));
const MESSAGE_HAN = field('content', each(BLOCK));
const EVENT_HAN = all(field('delta', DELTA), field('content_block', BLOCK), field('message', MESSAGE_HAN));

export const anthropicMessagesDialect: Dialect = {
  name: 'anthropic-messages',
  usageFromBody: (body) => anthropicUsage(child(body, 'usage')),
  frameMayCarryUsage: (frame: SseFrame) => eventNameIn(frame, USAGE_EVENTS),
  // The body's `model`, or message_start's `message.model`.
  responseModel: (data) => text(data, 'model') ?? text(child(data, 'message'), 'model'),
  usageFromEvent(event: DialectEvent) {
    if (event.name === 'message_start') return anthropicUsage(child(child(event.data, 'message'), 'usage'));
    if (event.name === 'message_delta') return anthropicUsage(child(event.data, 'usage'));
    return undefined;
  },
  isTerminal: (frame: SseFrame) => eventNameIn(frame, STOP_EVENTS),
  isUsageOnlyChunk: () => false,
  errorFrame: (body: JsonObject) => formatSseEvent('error', body),
  isErrorFrame: (frame: SseFrame) => eventNameIn(frame, ERROR_EVENTS),
  outputDelta: messagesOutputDelta,
  stripHanFromEvent: EVENT_HAN,
  stripHanFromBody: MESSAGE_HAN,
  conformer: anthropicConformer,
};

/** Anthropic's error type for an HTTP status (the SDKs pick their error class by status, clients read the type). */
function anthropicErrorType(status: number): string {
  switch (status) {
    case 400: return 'invalid_request_error';
    case 401: return 'authentication_error';
    case 403: return 'permission_error';
    case 404: return 'not_found_error';
    case 413: return 'request_too_large';
    case 429: return 'rate_limit_error';
    case 503: case 529: return 'overloaded_error';
    case 504: return 'timeout_error';
    default: return status < 500 ? 'invalid_request_error' : 'api_error';
  }
}

/** The error types Anthropic's API answers with (what clients branch on). */
const ANTHROPIC_ERROR_TYPES: ReadonlySet<string> = new Set([
  'invalid_request_error', 'authentication_error', 'billing_error', 'permission_error', 'not_found_error',
  'request_too_large', 'rate_limit_error', 'api_error', 'overloaded_error', 'timeout_error',
]);

/**
 * A backend's error answer in another envelope, as Anthropic's `{"type":"error","error":{type,
 * message}}`: vLLM answers a request its validation refuses in OpenAI's envelope
 * (`{"error":{"message",…}}`) or FastAPI's (`{"detail":…}`) on every path, /v1/messages too;
 * a proxy in between may answer `{"error":"…"}`. vLLM's own Anthropic envelope carries its
 * OpenAI-side type (`Too Many Requests`, `BadRequestError`): that type is replaced by
 * Anthropic's for the status, the message kept.
 * Undefined when the body is Anthropic's already, with one of its types, or not one of those.
 */
export function asAnthropicError(status: number, body: Buffer): Buffer | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isJsonObject(parsed)) return undefined;
  const e = parsed.error;
  // Anthropic's envelope with one of Anthropic's types goes as it is; vLLM's carries its own type.
  if (parsed.type === 'error' && isJsonObject(e) && typeof e.type === 'string' && ANTHROPIC_ERROR_TYPES.has(e.type)) return undefined;
  let message: string | undefined;
  if (isJsonObject(e)) message = typeof e.message === 'string' ? e.message : JSON.stringify(e);
  else if (typeof e === 'string') message = e;
  else if (typeof parsed.detail === 'string') message = parsed.detail;
  else if (parsed.detail !== undefined) message = JSON.stringify(parsed.detail);
  if (message === undefined) return undefined;
  return Buffer.from(JSON.stringify({ type: 'error', error: { type: anthropicErrorType(status), message } }));
}

function blockText(content: JsonValue | undefined): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const b of content) {
    if (!isJsonObject(b)) continue;
    if (typeof b.text === 'string') parts.push(b.text);
    else if (b.type === 'tool_use') parts.push(JSON.stringify({ name: b.name ?? null, input: b.input ?? null }));
    else if (b.type === 'tool_result') parts.push(blockText(b.content));
    else if (typeof b.thinking === 'string') parts.push(b.thinking);
  }
  return parts.join('\n');
}

/** The messages as OpenAI chat messages, text only: close enough for a token count. */
function asChat(body: Readonly<JsonObject>): JsonObject[] | undefined {
  if (!Array.isArray(body.messages)) return undefined;
  const out: JsonObject[] = [];
  const system = blockText(body.system);
  if (system !== '') out.push({ role: 'system', content: system });
  for (const m of body.messages) {
    if (isJsonObject(m) && typeof m.role === 'string') out.push({ role: m.role, content: blockText(m.content) });
  }
  return out;
}

/** Anthropic tools ({name, description, input_schema}) as OpenAI function tools. */
function asFunctionTools(tools: JsonValue[]): JsonValue[] {
  return tools.map((t) =>
    isJsonObject(t) && t.input_schema !== undefined
      ? { type: 'function', function: { name: t.name ?? '', description: t.description ?? '', parameters: t.input_schema } }
      : t,
  );
}

export const anthropicMessagesRequest: RequestFormat = {
  maxTokensFields: ['max_tokens'],
  promptFields: ['system', 'messages', 'tools'],
  userTexts: (body, visit) => userMessageTexts(body.messages, visit),
  withSystemPrompt(body, ours) {
    const system = prependContent(ours, body.system);
    return system === undefined ? undefined : { ...body, system };
  },
  tokenizeBody: (b) => chatTokenizeBody(asChat(b), Array.isArray(b.tools) ? asFunctionTools(b.tools) : undefined),
};

/**
 * count_tokens: the messages body, given the same system prompt so it counts what the real
 * request will send; no output budget to cap, so nothing to estimate either.
 */
export const anthropicCountTokensRequest: RequestFormat = {
  ...anthropicMessagesRequest,
  maxTokensFields: [],
  promptFields: [],
  tokenizeBody: () => undefined,
};
