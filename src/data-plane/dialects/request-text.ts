/** Request-side pieces several wire formats share: user-written text, system-prompt merging, the chat form of a /tokenize body. */
import { isJsonObject } from '../../core/json.js';
import type { JsonObject, JsonValue } from '../../core/json.js';

/** Text part types a user message can carry, across the formats. */
const TEXT_PARTS: ReadonlySet<string> = new Set(['text', 'input_text']);

/** Between our system-prompt parts, and between ours and the client's text. */
export const SYSTEM_SEPARATOR = '\n\n';

/** Visits a message's content (a string or text parts); false when `visit` asked to stop. */
function visitContent(c: JsonValue | undefined, visit: (text: string) => boolean): boolean {
  if (typeof c === 'string') return visit(c);
  if (!Array.isArray(c)) return true;
  for (const part of c) {
    if (isJsonObject(part) && typeof part.type === 'string' && TEXT_PARTS.has(part.type) && typeof part.text === 'string') {
      if (!visit(part.text)) return false;
    }
  }
  return true;
}

/**
 * The user-role messages' text of a message list (a bare string counts as the user's):
 * not system prompts, assistant turns or tool results (a file the client's tool read is not
 * what the user writes in).
 */
export function userMessageTexts(list: JsonValue | undefined, visit: (text: string) => boolean): void {
  if (typeof list === 'string') {
    visit(list);
    return;
  }
  if (!Array.isArray(list)) return;
  for (const m of list) {
    if (!isJsonObject(m) || m.role !== 'user') continue;
    if (m.type !== undefined && m.type !== 'message') continue;
    if (!visitContent(m.content, visit)) return;
  }
}

/** `ours` before an existing string or content-part array; undefined when the shape is unknown. */
export function prependContent(ours: string, existing: JsonValue | undefined): JsonValue | undefined {
  if (existing === undefined || existing === null || existing === '') return ours;
  if (typeof existing === 'string') return ours + SYSTEM_SEPARATOR + existing;
  if (Array.isArray(existing)) return [{ type: 'text', text: ours }, ...existing];
  return undefined;
}

/** A `/tokenize` body in chat form: the messages with the generation prompt, and the tools (function tools) when the request has any. */
export function chatTokenizeBody(messages: JsonObject[] | undefined, tools: JsonValue[] | undefined): JsonObject | undefined {
  if (messages === undefined) return undefined;
  const o: JsonObject = { messages, add_generation_prompt: true };
  if (tools !== undefined) o.tools = tools;
  return o;
}
