/**
 * Which strings of each dialect's JSON are natural-language output that Han stripping
 * rewrites: content and text, reasoning and thinking; never tool calls, tool
 * arguments or signatures. One table per dialect serves stream events and whole bodies alike,
 * so a client sees the same text streamed or not.
 */
import { stripHan } from '../../core/script.js';
import { isJsonObject } from '../../core/json.js';
import type { JsonValue } from '../../core/json.js';
import type { Endpoint } from '../context.js';

/** A rewrite returns its input (same reference) when nothing changed, so callers test `===`. */
type Rewrite = (v: JsonValue) => JsonValue;

const text: Rewrite = (v) => (typeof v === 'string' ? stripHan(v) : v);

/** Apply `f` to `obj[key]`, copying only this object when the value changed. */
function field(key: string, f: Rewrite): Rewrite {
  return (v) => {
    if (!isJsonObject(v)) return v;
    const cur = v[key];
    if (cur === undefined) return v;
    const next = f(cur);
    return next === cur ? v : { ...v, [key]: next };
  };
}

/** Apply `f` to every element, copying the array only when an element changed. */
function each(f: Rewrite): Rewrite {
  return (v) => {
    if (!Array.isArray(v)) return v;
    let out: JsonValue[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const cur = v[i] as JsonValue;
      const next = f(cur);
      if (next !== cur) {
        out ??= v.slice();
        out[i] = next;
      }
    }
    return out ?? v;
  };
}

function all(...fs: readonly Rewrite[]): Rewrite {
  return (v) => fs.reduce((acc, f) => f(acc), v);
}

/** `f` only for objects whose `type` is one of `types`. */
function ofType(types: readonly string[], f: Rewrite): Rewrite {
  return (v) => (isJsonObject(v) && typeof v.type === 'string' && types.includes(v.type) ? f(v) : v);
}

// OpenAI chat: `choices[].delta` (stream) / `choices[].message` (body). `tool_calls` is never
// entered. `reasoning` / `reasoning_content` are filtered too (see docs/shaping.md).
const CHAT_MESSAGE = all(field('content', text), field('reasoning', text), field('reasoning_content', text));
const CHAT = field('choices', each(all(field('delta', CHAT_MESSAGE), field('message', CHAT_MESSAGE))));

// OpenAI legacy completions: `choices[].text`.
const COMPLETIONS = field('choices', each(field('text', text)));

// Anthropic: text and thinking blocks and their deltas; tool_use / input_json_delta /
// signature_delta are other types and pass untouched.
const ANTHROPIC_BLOCK = all(ofType(['text'], field('text', text)), ofType(['thinking'], field('thinking', text)));
const ANTHROPIC_DELTA = all(ofType(['text_delta'], field('text', text)), ofType(['thinking_delta'], field('thinking', text)));
const ANTHROPIC_MESSAGE = field('content', each(ANTHROPIC_BLOCK));
const ANTHROPIC_EVENT = all(field('delta', ANTHROPIC_DELTA), field('content_block', ANTHROPIC_BLOCK), field('message', ANTHROPIC_MESSAGE));

// OpenAI Responses: message and reasoning items; function_call items are other types.
const RESPONSES_PART = ofType(['output_text', 'reasoning_text', 'summary_text'], field('text', text));
const RESPONSES_ITEM = all(
  ofType(['message'], field('content', each(RESPONSES_PART))),
  ofType(['reasoning'], all(field('content', each(RESPONSES_PART)), field('summary', each(RESPONSES_PART)))),
);
const RESPONSES_BODY = field('output', each(RESPONSES_ITEM));
const TEXT_DELTA_EVENTS = ['response.output_text.delta', 'response.reasoning_text.delta', 'response.reasoning_summary_text.delta'];
const TEXT_DONE_EVENTS = ['response.output_text.done', 'response.reasoning_text.done', 'response.reasoning_summary_text.done'];
const RESPONSES_EVENT = all(
  ofType(TEXT_DELTA_EVENTS, field('delta', text)),
  ofType(TEXT_DONE_EVENTS, field('text', text)),
  ofType(['response.content_part.added', 'response.content_part.done', 'response.reasoning_summary_part.added', 'response.reasoning_summary_part.done'], field('part', RESPONSES_PART)),
  ofType(['response.output_item.added', 'response.output_item.done'], field('item', RESPONSES_ITEM)),
  ofType(['response.created', 'response.in_progress', 'response.completed', 'response.incomplete', 'response.failed'], field('response', RESPONSES_BODY)),
);

const EVENT_RULES: Readonly<Partial<Record<Endpoint, Rewrite>>> = { chat: CHAT, completions: COMPLETIONS, messages: ANTHROPIC_EVENT, responses: RESPONSES_EVENT };
const BODY_RULES: Readonly<Partial<Record<Endpoint, Rewrite>>> = { chat: CHAT, completions: COMPLETIONS, messages: ANTHROPIC_MESSAGE, responses: RESPONSES_BODY };

/** A stream event's data with Han stripped from its natural-language fields (same ref if unchanged). */
export function stripHanFromEvent(endpoint: Endpoint, data: JsonValue): JsonValue {
  const rule = EVENT_RULES[endpoint];
  return rule === undefined ? data : rule(data);
}

/** A whole (non-stream) JSON response with Han stripped (same ref if unchanged). */
export function stripHanFromBody(endpoint: Endpoint, body: JsonValue): JsonValue {
  const rule = BODY_RULES[endpoint];
  return rule === undefined ? body : rule(body);
}

/** Whether `endpoint`'s output has fields the Han filter rewrites. */
export function hasHanRules(endpoint: Endpoint): boolean {
  return EVENT_RULES[endpoint] !== undefined;
}
