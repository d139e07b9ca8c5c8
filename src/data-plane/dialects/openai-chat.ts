/**
 * OpenAI Chat Completions as vLLM speaks it. Request: `max_completion_tokens` / `max_tokens`,
 * prompt text in `messages`, `tools`, `functions`; the system prompt is a leading `system`
 * message; /tokenize takes the messages as they are. Response: `usage.prompt_tokens` /
 * `completion_tokens` in the body and in the stream's usage chunk(s); streams end with
 * `data: [DONE]`; an in-stream error is a `data: {"error":{…}}` frame; text is in
 * `choices[].message` / `choices[].delta` (content and reasoning, never tool calls).
 */
import { isJsonObject } from '../../core/json.js';
import type { JsonObject, JsonValue } from '../../core/json.js';
import { formatSseData } from '../../core/sse/writer.js';
import type { SseFrame } from '../../core/sse/parser.js';
import { ascii, indexOfBytes, leadingMember, memberHolds, type MemberValue } from './bytes.js';
import type { Dialect, DialectEvent, OutputDelta, RequestFormat, UsageReport } from './dialect.js';
import { all, each, field, hanText } from './json-rewrite.js';
import { child, count, text, usageReport } from './numbers.js';
import { prependContent, userMessageTexts } from './request-text.js';

const USAGE_KEY = ascii('"usage":');
const DELTA_KEY = ascii('"delta":');
// The delta members that carry generated output, what they hold when they do, and which output.
const OUTPUT_MEMBERS: ReadonlyArray<readonly [Uint8Array, MemberValue, OutputDelta]> = [
  [ascii('"content":'), 'text', 'output'],
  [ascii('"reasoning":'), 'text', 'reasoning'],
  [ascii('"reasoning_content":'), 'text', 'reasoning'],
  [ascii('"tool_calls":'), 'array', 'output'],
];

/**
 * A chunk whose delta holds text or reasoning (the role chunk's `"content":""` does not) or a
 * tool call's fragment. vLLM writes that member first in the delta, so one search for the delta
 * decides almost every chunk; the others (the role chunk, a last chunk with an empty content,
 * other member orders) are searched member by member.
 */
function chatOutputDelta(frame: SseFrame): OutputDelta | undefined {
  if (!frame.complete) return undefined;
  const raw = frame.raw;
  const at = indexOfBytes(raw, DELTA_KEY);
  if (at === -1) return undefined;
  const value = at + DELTA_KEY.length;
  const lead = leadingMember(raw, value, OUTPUT_MEMBERS);
  if (lead !== -1) return OUTPUT_MEMBERS[lead]![2];
  for (const [key, kind, output] of OUTPUT_MEMBERS) if (memberHolds(raw, key, kind, value)) return output;
  return undefined;
}
// `data: [DONE]` plus a line ending or two; anything longer is not the terminator.
const DONE_MAX_BYTES = 20;

/**
 * `{prompt_tokens, completion_tokens, prompt_tokens_details.cached_tokens,
 * completion_tokens_details.reasoning_tokens}` → a report (undefined when neither count is present).
 */
export function openaiUsage(usage: JsonValue | undefined): UsageReport | undefined {
  const promptTokens = count(usage, 'prompt_tokens');
  const completionTokens = count(usage, 'completion_tokens');
  if (promptTokens === undefined && completionTokens === undefined) return undefined;
  return usageReport(
    promptTokens,
    completionTokens,
    count(child(usage, 'prompt_tokens_details'), 'cached_tokens'),
    count(child(usage, 'completion_tokens_details'), 'reasoning_tokens'),
  );
}

// `tool_calls` is never entered; `reasoning` / `reasoning_content` are filtered too (docs/shaping.md).
const CHAT_MESSAGE = all(field('content', hanText), field('reasoning', hanText), field('reasoning_content', hanText));
const CHAT_HAN = field('choices', each(all(field('delta', CHAT_MESSAGE), field('message', CHAT_MESSAGE))));

export const openaiChatDialect: Dialect = {
  name: 'openai-chat',
  usageFromBody: (body) => openaiUsage(child(body, 'usage')),
  // Inside JSON strings quotes are escaped, so `"usage":` only matches a real key.
  frameMayCarryUsage: (frame: SseFrame) => indexOfBytes(frame.raw, USAGE_KEY) !== -1,
  usageFromEvent: (event: DialectEvent) => openaiUsage(child(event.data, 'usage')),
  // Every chunk and the body carry `model` at the top.
  responseModel: (data) => text(data, 'model'),
  isTerminal: (frame: SseFrame) => frame.raw.length <= DONE_MAX_BYTES && frame.complete && frame.data === '[DONE]',
  isUsageOnlyChunk(event: DialectEvent) {
    const choices = child(event.data, 'choices');
    return Array.isArray(choices) && choices.length === 0 && child(event.data, 'usage') !== undefined;
  },
  errorFrame: (body: JsonObject) => formatSseData(body),
  // vLLM's in-stream error: `{"error": {…}}`, or `{"object": "error", …}` in older versions.
  isErrorFrame: (frame: SseFrame) => frame.complete && frame.data !== undefined && (frame.data.startsWith('{"error"') || frame.data.startsWith('{"object":"error"')),
  outputDelta: chatOutputDelta,
  stripHanFromEvent: CHAT_HAN,
  stripHanFromBody: CHAT_HAN,
};

/** Merge into a leading `system` message, or insert one at index 0. */
function withSystemMessage(body: Readonly<JsonObject>, ours: string): JsonObject | undefined {
  const messages = body.messages;
  if (!Array.isArray(messages)) return undefined;
  const first = messages[0];
  if (isJsonObject(first) && first.role === 'system') {
    const content = prependContent(ours, first.content);
    if (content === undefined) return undefined;
    return { ...body, messages: [{ ...first, content }, ...messages.slice(1)] };
  }
  return { ...body, messages: [{ role: 'system', content: ours }, ...messages] };
}

export const openaiChatRequest: RequestFormat = {
  // vLLM prefers `max_completion_tokens`, so it comes first.
  maxTokensFields: ['max_completion_tokens', 'max_tokens'],
  promptFields: ['messages', 'tools', 'functions'],
  userTexts: (body, visit) => userMessageTexts(body.messages, visit),
  withSystemPrompt: withSystemMessage,
  tokenizeBody(b) {
    if (!Array.isArray(b.messages)) return undefined;
    // No `model`: the client's name may be an alias, and vLLM tokenizes with its served model.
    const o: JsonObject = { messages: b.messages, add_generation_prompt: true };
    if (isJsonObject(b.chat_template_kwargs)) o.chat_template_kwargs = b.chat_template_kwargs;
    if (Array.isArray(b.tools)) o.tools = b.tools;
    return o;
  },
};
