/**
 * What vLLM's `/v1/messages` answers leave out or say differently from Anthropic's API, put
 * right for the clients that read them:
 * - the message (a JSON body, or a stream's `message_start`) lacks `type: "message"` and
 *   `role: "assistant"` (vLLM leaves fields at their defaults out), so an SDK's accumulated
 *   message has no role, and agent loops that append it to the conversation lose it;
 * - `stop_sequence` is missing instead of `null` (the body, `message_delta`);
 * - an answer that calls a tool ends with `stop_reason: "end_turn"` when the tool was forced
 *   (`tool_choice` `tool` or `any`: vLLM's chat finish reason is then `stop`), where
 *   Anthropic says `tool_use`, the value agent loops check before running the tool.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../core/json.js';
import type { SseFrame } from '../../core/sse/parser.js';
import { ascii, indexOfBytes } from './bytes.js';
import type { DialectEvent, ResponseConformer } from './dialect.js';
import { eventNameIn } from './parse-event.js';

const LOOKED_AT = ['message_start', 'message_delta', 'content_block_start'];
const BLOCK_START = ['content_block_start'];
const TOOL_USE = ascii('"tool_use"');

/** The message with what Anthropic's always has; `toolUse`: a tool_use block was seen (stream) or is in it. */
function conformMessage(m: JsonObject, toolUse: boolean): JsonObject {
  const stop = toolUse && m.stop_reason === 'end_turn' ? 'tool_use' : m.stop_reason;
  if (m.type === 'message' && m.role === 'assistant' && m.stop_sequence !== undefined && stop === m.stop_reason) return m;
  // `id` first, then the two constants, then the rest in the backend's order (as Anthropic orders them).
  const out: JsonObject = m.id === undefined ? { type: 'message', role: 'assistant', ...m } : { id: m.id, type: 'message', role: 'assistant', ...m };
  if (m.stop_reason !== undefined) out.stop_reason = stop ?? null;
  if (m.stop_sequence === undefined) out.stop_sequence = null;
  return out;
}

function hasToolUse(content: JsonValue | undefined): boolean {
  return Array.isArray(content) && content.some((b) => isJsonObject(b) && b.type === 'tool_use');
}

class AnthropicConformer implements ResponseConformer {
  #toolUse = false;

  wants(frame: SseFrame): boolean {
    if (!eventNameIn(frame, LOOKED_AT)) return false;
    // Of the block starts, only a tool call's matters.
    return !eventNameIn(frame, BLOCK_START) || indexOfBytes(frame.raw, TOOL_USE) !== -1;
  }

  event(event: DialectEvent): JsonValue {
    const data = event.data;
    if (!isJsonObject(data)) return data;
    if (event.name === 'content_block_start') {
      if (isJsonObject(data.content_block) && data.content_block.type === 'tool_use') this.#toolUse = true;
      return data;
    }
    if (event.name === 'message_start' && isJsonObject(data.message)) {
      const message = conformMessage(data.message, false);
      return message === data.message ? data : { ...data, message };
    }
    if (event.name === 'message_delta' && isJsonObject(data.delta)) {
      const d = data.delta;
      const stop = this.#toolUse && d.stop_reason === 'end_turn' ? 'tool_use' : d.stop_reason;
      if (stop === d.stop_reason && d.stop_sequence !== undefined) return data;
      return { ...data, delta: { ...d, stop_reason: stop ?? null, stop_sequence: d.stop_sequence ?? null } };
    }
    return data;
  }

  body(body: JsonValue): JsonValue {
    return isJsonObject(body) && body.type !== 'error' ? conformMessage(body, hasToolUse(body.content)) : body;
  }
}

export function anthropicConformer(): ResponseConformer {
  return new AnthropicConformer();
}
