/**
 * System-prompt injection (docs/shaping.md): on chat completions and
 * messages, prepend the Think Max reasoning-effort prefix and/or the Han-discouraging
 * instruction. The client's system prompt is kept, concatenated after ours, never replaced.
 */
import { keepsHan } from '../../core/script.js';
import type { ProxyRequest, ShapeEffect, Shaper, ShapingConfig } from '../context.js';
import { requestFormatFor } from '../dialects/index.js';
import { SYSTEM_SEPARATOR } from '../dialects/request-text.js';
import { isThinkMax } from './thinking-mode.js';

/** Shared by every path that changes nothing, so those paths allocate no array. */
const NONE: readonly ShapeEffect[] = Object.freeze([]);

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

/** Prepends the applicable parts; the same request when none applies or the shape is unknown. */
export const injectSystemPrompt: Shaper = (req, cfg) => {
  // The wire format says where a system prompt goes (count_tokens too, so it counts what the real request sends).
  const format = requestFormatFor(req.facts.endpoint);
  if (format?.withSystemPrompt === undefined) return { req, effects: NONE };
  const parts = injectedParts(req, cfg);
  if (parts.length === 0) return { req, effects: NONE };
  const ours = parts.map((p) => p.text).join(SYSTEM_SEPARATOR);
  const body = format.withSystemPrompt(req.body, ours);
  if (body === undefined) return { req, effects: NONE };
  return { req: { ...req, body }, effects: [{ kind: 'system-prompt-injected', parts: parts.map((p) => p.name) }] };
};
