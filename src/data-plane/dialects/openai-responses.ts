/**
 * OpenAI Responses: usage `input_tokens` / `output_tokens` at the body's
 * top level, and in a stream only inside the final `response.completed` (or `.incomplete` /
 * `.failed`) event, which is also the stream's last frame (no `[DONE]`).
 */
import type { JsonObject, JsonValue } from '../../core/json.js';
import { formatSseEvent } from '../../core/sse/writer.js';
import type { SseFrame } from '../../core/sse/parser.js';
import type { Dialect, DialectEvent, UsageReport } from './dialect.js';
import { child, count } from './numbers.js';
import { eventName } from './parse-event.js';

const FINAL_EVENTS: ReadonlySet<string> = new Set(['response.completed', 'response.incomplete', 'response.failed']);

function responsesUsage(usage: JsonValue | undefined): UsageReport | undefined {
  const promptTokens = count(usage, 'input_tokens');
  const completionTokens = count(usage, 'output_tokens');
  if (promptTokens === undefined && completionTokens === undefined) return undefined;
  return {
    ...(promptTokens !== undefined ? { promptTokens } : {}),
    ...(completionTokens !== undefined ? { completionTokens } : {}),
  };
}

function isFinal(frame: SseFrame): boolean {
  const name = eventName(frame);
  return name !== undefined && FINAL_EVENTS.has(name);
}

export const openaiResponsesDialect: Dialect = {
  name: 'openai-responses',
  usageFromBody: (body) => responsesUsage(child(body, 'usage')),
  frameMayCarryUsage: isFinal,
  usageFromEvent: (event: DialectEvent) => responsesUsage(child(child(event.data, 'response'), 'usage')),
  isTerminal: isFinal,
  isUsageOnlyChunk: () => false,
  // `type: "error"` as the Responses stream names it; the nested `error` makes SDKs throw.
  errorFrame: (body: JsonObject) => formatSseEvent('error', { type: 'error', ...body }),
};
