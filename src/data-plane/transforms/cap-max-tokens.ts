/**
 * Dynamic max_tokens capping (docs/shaping.md):
 * `capped = min(client_value, MAX_CONTEXT_TOKENS − utf8_bytes(payload_text)//3 − 512,
 * MAX_OUTPUT_TOKENS)` on the field each endpoint uses. A missing value stays missing.
 */
import { isJsonObject } from '../../core/json.js';
import type { JsonObject } from '../../core/json.js';
import type { Endpoint, ProxyRequest, RequestFacts, ShapeEffect, Shaper, ShapingConfig } from '../context.js';
import { requestFormatFor } from '../dialects/index.js';

/** Shared by every path that changes nothing, so those paths allocate no array. */
const NONE: readonly ShapeEffect[] = Object.freeze([]);

/** Tokens kept free for the system prompt the gateway may inject. */
const RESERVED_TOKENS = 512;

const NO_FIELDS: readonly string[] = Object.freeze([]);

/** The output-budget field(s) of `endpoint`'s wire format (the first names the response header). */
export function maxTokensFields(endpoint: Endpoint): readonly string[] {
  return requestFormatFor(endpoint)?.maxTokensFields ?? NO_FIELDS;
}

/**
 * The output cap the engine applies, as vLLM reads the fields: the first that is set and not 0
 * (`max_completion_tokens or max_tokens` on chat, where a client sending both means the newer
 * one), else the last one's value; undefined when that is not a number (the engine's default).
 */
export function outputCap(endpoint: Endpoint, body: Readonly<JsonObject>): number | undefined {
  const fields = maxTokensFields(endpoint);
  let v: unknown;
  for (const field of fields) {
    v = body[field];
    if (typeof v === 'number' && v !== 0) return v;
  }
  return typeof v === 'number' ? v : undefined;
}

/** Where a Claude-style thinking budget lives (messages, and chat when a client sends it). */
const BUDGET_FIELD = 'thinking.budget_tokens';

/** The heuristic: a token per three bytes of prompt text (UTF-8). */
function heuristicInputTokens(facts: RequestFacts): number {
  return Math.floor(facts.payloadBytes / 3);
}

/** `estimated_input`: the backend's /tokenize count when the pipeline has one, else `payloadBytes // 3`. */
export function estimatedInputTokens(facts: RequestFacts): number {
  return facts.estimatedInputTokens ?? heuristicInputTokens(facts);
}

/** `available = MAX_CONTEXT_TOKENS − input − 512`. */
function availableOutputTokens(inputTokens: number, cfg: Pick<ShapingConfig, 'maxContextTokens'>): number {
  return cfg.maxContextTokens - inputTokens - RESERVED_TOKENS;
}

/**
 * Whether the context window, by the heuristic estimate, would cap or refuse the request's budget
 * (rather than MAX_OUTPUT_TOKENS, or nothing): then an exact count can change the outcome.
 */
export function windowWouldCap(req: ProxyRequest, cfg: Pick<ShapingConfig, 'maxContextTokens' | 'maxOutputTokens'>): boolean {
  const available = availableOutputTokens(heuristicInputTokens(req.facts), cfg);
  for (const field of maxTokensFields(req.facts.endpoint)) {
    const v = req.body[field];
    // available ≤ 0 refuses even `max_tokens: 0`: an exact count may leave room.
    if (typeof v === 'number' && (available <= 0 || Math.min(v, cfg.maxOutputTokens) > available)) return true;
  }
  return false;
}

function reject(message: string, code?: string): { effects: readonly ShapeEffect[] } {
  return { effects: [code === undefined ? { kind: 'rejected', message } : { kind: 'rejected', message, code }] };
}

/**
 * The refusal of an input that leaves no room for output, worded as each client's own API words
 * it, so that coding agents recognise it and shorten the conversation themselves: Anthropic's
 * `prompt is too long: N tokens > M maximum` on messages (the message Claude Code looks for), OpenAI's
 * "maximum context length" with the code `context_length_exceeded` elsewhere.
 */
function contextOverflow(req: ProxyRequest, field: string, cfg: Pick<ShapingConfig, 'maxContextTokens'>): { effects: readonly ShapeEffect[] } {
  const input = estimatedInputTokens(req.facts);
  // The largest input that leaves one token of output beside the reserve.
  const maximum = cfg.maxContextTokens - RESERVED_TOKENS - 1;
  if (req.facts.endpoint === 'messages') return reject(`prompt is too long: ${input} tokens > ${maximum} maximum`);
  const how = req.facts.estimatedInputTokens === undefined ? 'estimated at a token per three bytes of text' : 'counted by the backend';
  return reject(
    `This model's maximum context length is ${cfg.maxContextTokens} tokens. The input is about ${input} tokens (${how}); ` +
      `with ${RESERVED_TOKENS} tokens reserved, that leaves no room for ${field}. Shorten the input.`,
    'context_length_exceeded',
  );
}

/** Claude Code sends max_tokens 32000 with budget_tokens 31999: keep the budget below the new cap. */
function clampBudget(body: JsonObject, sent: number, effects: ShapeEffect[]): void {
  const thinking = body.thinking;
  if (!isJsonObject(thinking)) return;
  const budget = thinking.budget_tokens;
  if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < sent) return;
  const clamped = Math.max(0, sent - 1);
  body.thinking = { ...thinking, budget_tokens: clamped };
  effects.push({ kind: 'max-tokens-capped', field: BUDGET_FIELD, requested: budget, sent: clamped });
}

/**
 * Caps the endpoint's output-budget field(s). Rejects (400) a value that is not a non-negative
 * integer (booleans included), and a request whose input alone overflows the window
 * (`available ≤ 0`) instead of forwarding a negative budget. The same request when nothing changes.
 */
export const capMaxTokens: Shaper = (req, cfg) => {
  const fields = maxTokensFields(req.facts.endpoint);
  if (fields.length === 0) return { req, effects: NONE };
  const present: Array<{ field: string; value: number }> = [];
  for (const field of fields) {
    const value = req.body[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      return { req, ...reject(`${field} must be a non-negative integer`) };
    }
    present.push({ field, value });
  }
  if (present.length === 0) return { req, effects: NONE };
  const available = availableOutputTokens(estimatedInputTokens(req.facts), cfg);
  if (available <= 0) {
    return { req, ...contextOverflow(req, present[0]?.field ?? 'max_tokens', cfg) };
  }
  const limit = Math.min(available, cfg.maxOutputTokens);
  const over = present.filter((p) => p.value > limit);
  if (over.length === 0) return { req, effects: NONE };
  const body: JsonObject = { ...req.body };
  const effects: ShapeEffect[] = [];
  for (const { field, value } of over) {
    body[field] = limit;
    effects.push({ kind: 'max-tokens-capped', field, requested: value, sent: limit });
  }
  clampBudget(body, limit, effects);
  return { req: { ...req, body }, effects };
};

/**
 * Value of `x-worv-max-tokens-capped` (`<requested>-><sent>`) for the first capped output-budget
 * field, or undefined when nothing was capped. The body itself is never annotated.
 */
export function maxTokensCappedHeader(effects: readonly ShapeEffect[]): string | undefined {
  for (const e of effects) {
    if (e.kind === 'max-tokens-capped' && e.field !== BUDGET_FIELD) return `${e.requested}->${e.sent}`;
  }
  return undefined;
}
