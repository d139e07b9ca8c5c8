/**
 * Anthropic Messages: usage in the body's `usage`; in a stream,
 * `message_start.message.usage` then cumulative `message_delta.usage` (overwrite, never add);
 * the stream ends with `message_stop`; errors are `event: error` frames.
 */
import type { JsonObject, JsonValue } from '../../core/json.js';
import { formatSseEvent } from '../../core/sse/writer.js';
import type { SseFrame } from '../../core/sse/parser.js';
import type { Dialect, DialectEvent, UsageReport } from './dialect.js';
import { child, count } from './numbers.js';
import { eventName } from './parse-event.js';

/** Input = input_tokens + cache creation + cache reads (all three are prompt tokens). */
function anthropicUsage(usage: JsonValue | undefined): UsageReport | undefined {
  const input = count(usage, 'input_tokens');
  const completionTokens = count(usage, 'output_tokens');
  const promptTokens =
    input === undefined
      ? undefined
      : input + (count(usage, 'cache_creation_input_tokens') ?? 0) + (count(usage, 'cache_read_input_tokens') ?? 0);
  if (promptTokens === undefined && completionTokens === undefined) return undefined;
  return {
    ...(promptTokens !== undefined ? { promptTokens } : {}),
    ...(completionTokens !== undefined ? { completionTokens } : {}),
  };
}

function mayCarryUsage(frame: SseFrame): boolean {
  const name = eventName(frame);
  return name === 'message_start' || name === 'message_delta';
}

export const anthropicMessagesDialect: Dialect = {
  name: 'anthropic-messages',
  usageFromBody: (body) => anthropicUsage(child(body, 'usage')),
  frameMayCarryUsage: mayCarryUsage,
  usageFromEvent(event: DialectEvent) {
    if (event.name === 'message_start') return anthropicUsage(child(child(event.data, 'message'), 'usage'));
    if (event.name === 'message_delta') return anthropicUsage(child(event.data, 'usage'));
    return undefined;
  },
  isTerminal: (frame: SseFrame) => eventName(frame) === 'message_stop',
  isUsageOnlyChunk: () => false,
  errorFrame: (body: JsonObject) => formatSseEvent('error', body),
};
