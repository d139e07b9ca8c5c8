/**
 * OpenAI Responses. Request: `max_output_tokens`, prompt text in `instructions`, `input`,
 * `tools`; the user's text is `input`; no system-prompt injection; /tokenize gets the
 * instructions and input as text-only chat messages.
 * Response: usage `input_tokens` / `output_tokens` at the body's top level, and in a stream
 * only inside the final `response.completed` (or `.incomplete` / `.failed`) event, which is
 * also the stream's last frame (no `[DONE]`); text in message and reasoning items.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../core/json.js';
import { formatSseEvent } from '../../core/sse/writer.js';
import type { SseFrame } from '../../core/sse/parser.js';
import type { Dialect, DialectEvent, OutputDelta, RequestFormat, UsageReport } from './dialect.js';
import { all, each, field, hanText, ofType } from './json-rewrite.js';
import { child, count, text, usageReport } from './numbers.js';
import { eventNameIn } from './parse-event.js';
import { chatTokenizeBody, userMessageTexts } from './request-text.js';

const FINAL_EVENTS = ['response.completed', 'response.incomplete', 'response.failed'];
const ERROR_EVENTS = ['error', 'response.failed'];

/** `input_tokens_details.cached_tokens` and `output_tokens_details.reasoning_tokens` ride along. */
function responsesUsage(usage: JsonValue | undefined): UsageReport | undefined {
  const promptTokens = count(usage, 'input_tokens');
  const completionTokens = count(usage, 'output_tokens');
  if (promptTokens === undefined && completionTokens === undefined) return undefined;
  return usageReport(
    promptTokens,
    completionTokens,
    count(child(usage, 'input_tokens_details'), 'cached_tokens'),
    count(child(usage, 'output_tokens_details'), 'reasoning_tokens'),
  );
}

function isFinal(frame: SseFrame): boolean {
  return eventNameIn(frame, FINAL_EVENTS);
}

// Message and reasoning items; function_call items are other types and pass untouched.
const PART = ofType(['output_text', 'reasoning_text', 'summary_text'], field('text', hanText));
const ITEM = all(
  ofType(['message'], field('content', each(PART))),
  ofType(['reasoning'], all(field('content', each(PART)), field('summary', each(PART)))),
);
const BODY_HAN = field('output', each(ITEM));
const REASONING_DELTA_EVENTS = ['response.reasoning_text.delta', 'response.reasoning_summary_text.delta'];
const TEXT_DELTA_EVENTS = ['response.output_text.delta', ...REASONING_DELTA_EVENTS];
// One generated token each: text and reasoning deltas, and a function call's argument fragments.
const OUTPUT_DELTA_EVENTS = [...TEXT_DELTA_EVENTS, 'response.function_call_arguments.delta'];

function responsesOutputDelta(frame: SseFrame): OutputDelta | undefined {
  if (!frame.complete || !eventNameIn(frame, OUTPUT_DELTA_EVENTS)) return undefined;
  return eventNameIn(frame, REASONING_DELTA_EVENTS) ? 'reasoning' : 'output';
}
const TEXT_DONE_EVENTS = ['response.output_text.done', 'response.reasoning_text.done', 'response.reasoning_summary_text.done'];
const PART_EVENTS = ['response.content_part.added', 'response.content_part.done', 'response.reasoning_summary_part.added', 'response.reasoning_summary_part.done'];
const RESPONSE_EVENTS = ['response.created', 'response.in_progress', 'response.completed', 'response.incomplete', 'response.failed'];
const EVENT_HAN = all(
  ofType(TEXT_DELTA_EVENTS, field('delta', hanText)),
  ofType(TEXT_DONE_EVENTS, field('text', hanText)),
  ofType(PART_EVENTS, field('part', PART)),
  ofType(['response.output_item.added', 'response.output_item.done'], field('item', ITEM)),
  ofType(RESPONSE_EVENTS, field('response', BODY_HAN)),
);

/**
 * The stream's `error` event: flat `code`, `message` and `param` as the Responses stream defines
 * it (typed clients read those), and the nested `error` object too, which makes SDKs that look
 * for it throw.
 */
function responsesErrorEvent(body: JsonObject): string {
  const e = body.error;
  const err = isJsonObject(e) ? e : {};
  const code = typeof err.type === 'string' ? err.type : null;
  const message = typeof err.message === 'string' ? err.message : '';
  return formatSseEvent('error', { type: 'error', code, message, param: null, ...body });
}

export const openaiResponsesDialect: Dialect = {
  name: 'openai-responses',
  usageFromBody: (body) => responsesUsage(child(body, 'usage')),
  frameMayCarryUsage: isFinal,
  usageFromEvent: (event: DialectEvent) => responsesUsage(child(child(event.data, 'response'), 'usage')),
  // The body's `model`, or the final event's `response.model`.
  responseModel: (data) => text(data, 'model') ?? text(child(data, 'response'), 'model'),
  isTerminal: isFinal,
  isUsageOnlyChunk: () => false,
  errorFrame: responsesErrorEvent,
  isErrorFrame: (frame: SseFrame) => eventNameIn(frame, ERROR_EVENTS),
  outputDelta: responsesOutputDelta,
  stripHanFromEvent: EVENT_HAN,
  stripHanFromBody: BODY_HAN,
};

/** A message item's content (a string or parts with text) as one text. */
function partsText(content: JsonValue | undefined): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const p of content) if (isJsonObject(p) && typeof p.text === 'string') parts.push(p.text);
  return parts.join('\n');
}

/** Chat templates know no `developer` role: its text counts as the system's. */
const CHAT_ROLE: Readonly<Record<string, string>> = { system: 'system', developer: 'system', user: 'user', assistant: 'assistant' };

/**
 * The instructions and input as OpenAI chat messages, text only: close enough for a token count.
 * Undefined when the prompt is not all in the request (`previous_response_id` continues a stored
 * conversation) or holds an item of unknown type.
 */
function asChat(body: Readonly<JsonObject>): JsonObject[] | undefined {
  if (body.previous_response_id !== undefined && body.previous_response_id !== null) return undefined;
  const out: JsonObject[] = [];
  if (typeof body.instructions === 'string' && body.instructions !== '') out.push({ role: 'system', content: body.instructions });
  const input = body.input;
  if (typeof input === 'string') out.push({ role: 'user', content: input });
  else if (Array.isArray(input)) {
    for (const item of input) {
      if (!isJsonObject(item)) return undefined;
      const role = typeof item.role === 'string' ? CHAT_ROLE[item.role] : undefined;
      if ((item.type === undefined || item.type === 'message') && role !== undefined) out.push({ role, content: partsText(item.content) });
      else if (item.type === 'function_call') out.push({ role: 'assistant', content: JSON.stringify({ name: item.name ?? null, arguments: item.arguments ?? null }) });
      else if (item.type === 'function_call_output') out.push({ role: 'user', content: partsText(item.output) });
      else if (item.type !== 'reasoning') return undefined;
    }
  } else return undefined;
  return out;
}

/** Responses function tools ({type, name, description, parameters}) as chat function tools; other tools are the backend's. */
function asFunctionTools(tools: JsonValue[]): JsonValue[] {
  const out: JsonValue[] = [];
  for (const t of tools) {
    if (isJsonObject(t) && t.type === 'function') out.push({ type: 'function', function: { name: t.name ?? '', description: t.description ?? '', parameters: t.parameters ?? {} } });
  }
  return out;
}

export const openaiResponsesRequest: RequestFormat = {
  maxTokensFields: ['max_output_tokens'],
  promptFields: ['instructions', 'input', 'tools'],
  userTexts: (body, visit) => userMessageTexts(body.input, visit),
  tokenizeBody: (b) => chatTokenizeBody(asChat(b), Array.isArray(b.tools) ? asFunctionTools(b.tools) : undefined),
};
