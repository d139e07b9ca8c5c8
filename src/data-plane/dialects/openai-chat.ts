/**
 * OpenAI Chat Completions as vLLM speaks it: `usage.prompt_tokens` /
 * `completion_tokens` in the body and in the stream's usage chunk(s); streams end with
 * `data: [DONE]`; an in-stream error is a `data: {"error":{…}}` frame.
 */
import type { JsonObject, JsonValue } from '../../core/json.js';
import { formatSseData } from '../../core/sse/writer.js';
import type { SseFrame } from '../../core/sse/parser.js';
import { ascii, indexOfBytes } from './bytes.js';
import type { Dialect, DialectEvent, UsageReport } from './dialect.js';
import { child, count } from './numbers.js';

const USAGE_KEY = ascii('"usage":');
// `data: [DONE]` plus a line ending or two; anything longer is not the terminator.
const DONE_MAX_BYTES = 20;

/** `{prompt_tokens, completion_tokens}` → a report (undefined when neither is present). */
export function openaiUsage(usage: JsonValue | undefined): UsageReport | undefined {
  const promptTokens = count(usage, 'prompt_tokens');
  const completionTokens = count(usage, 'completion_tokens');
  if (promptTokens === undefined && completionTokens === undefined) return undefined;
  return {
    ...(promptTokens !== undefined ? { promptTokens } : {}),
    ...(completionTokens !== undefined ? { completionTokens } : {}),
  };
}

export const openaiChatDialect: Dialect = {
  name: 'openai-chat',
  usageFromBody: (body) => openaiUsage(child(body, 'usage')),
  // Inside JSON strings quotes are escaped, so `"usage":` only matches a real key.
  frameMayCarryUsage: (frame: SseFrame) => indexOfBytes(frame.raw, USAGE_KEY) !== -1,
  usageFromEvent: (event: DialectEvent) => openaiUsage(child(event.data, 'usage')),
  isTerminal: (frame: SseFrame) => frame.raw.length <= DONE_MAX_BYTES && frame.complete && frame.data === '[DONE]',
  isUsageOnlyChunk(event: DialectEvent) {
    const choices = child(event.data, 'choices');
    return Array.isArray(choices) && choices.length === 0 && child(event.data, 'usage') !== undefined;
  },
  errorFrame: (body: JsonObject) => formatSseData(body),
};
