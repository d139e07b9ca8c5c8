/**
 * System-prompt injection (docs/shaping.md): on chat completions and
 * messages, prepend the Think Max reasoning-effort prefix and/or the Han-discouraging
 * instruction. The client's system prompt is kept, concatenated after ours, never replaced.
 */
import { keepsHan } from '../../core/script.js';
import { isJsonObject } from '../../core/json.js';
import type { JsonObject, JsonValue } from '../../core/json.js';
import type { ProxyRequest, ShapeEffect, Shaper, ShapingConfig } from '../context.js';
import { isThinkMax } from './thinking-mode.js';

/** Shared by every path that changes nothing, so those paths allocate no array. */
const NONE: readonly ShapeEffect[] = Object.freeze([]);

/** Between our parts, and between ours and the client's text. */
const SEPARATOR = '\n\n';

/** Names of the injected parts, as they appear in the `system-prompt-injected` effect. */
export type InjectedPart = 'think-max-prefix' | 'han-system-prompt';

/** Which parts apply, in the order they are prepended. */
function injectedParts(req: ProxyRequest, cfg: ShapingConfig): Array<{ name: InjectedPart; text: string }> {
  const parts: Array<{ name: InjectedPart; text: string }> = [];
  if (cfg.thinkMaxPrefix !== '' && isThinkMax(req, cfg)) parts.push({ name: 'think-max-prefix', text: cfg.thinkMaxPrefix });
  // The Han instruction only when the conversation is not Chinese / Japanese (Korean included).
  if (cfg.stripHan && cfg.hanSystemPrompt !== '' && !keepsHan(req.facts.userScript)) {
    parts.push({ name: 'han-system-prompt', text: cfg.hanSystemPrompt });
  }
  return parts;
}

/** `ours` before an existing string or content-part array; undefined when the shape is unknown. */
function prependContent(ours: string, existing: JsonValue | undefined): JsonValue | undefined {
  if (existing === undefined || existing === null || existing === '') return ours;
  if (typeof existing === 'string') return ours + SEPARATOR + existing;
  if (Array.isArray(existing)) return [{ type: 'text', text: ours }, ...existing];
  return undefined;
}

/** Chat: merge into a leading `system` message, or insert one at index 0. */
function chatBody(body: Readonly<JsonObject>, ours: string): JsonObject | undefined {
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

/** Messages: top-level `system`, a string or an array of text blocks (cache_control kept). */
function messagesBody(body: Readonly<JsonObject>, ours: string): JsonObject | undefined {
  const system = prependContent(ours, body.system);
  return system === undefined ? undefined : { ...body, system };
}

/** Prepends the applicable parts; the same request when none applies or the shape is unknown. */
export const injectSystemPrompt: Shaper = (req, cfg) => {
  const endpoint = req.facts.endpoint;
  // count_tokens gets the same injection so it counts what the real request will send.
  if (endpoint !== 'chat' && endpoint !== 'messages' && endpoint !== 'count_tokens') return { req, effects: NONE };
  const parts = injectedParts(req, cfg);
  if (parts.length === 0) return { req, effects: NONE };
  const ours = parts.map((p) => p.text).join(SEPARATOR);
  const body = endpoint === 'chat' ? chatBody(req.body, ours) : messagesBody(req.body, ours);
  if (body === undefined) return { req, effects: NONE };
  return { req: { ...req, body }, effects: [{ kind: 'system-prompt-injected', parts: parts.map((p) => p.name) }] };
};
