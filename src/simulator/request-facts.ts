// What the endpoints read from a request body the same way: model check, output cap,
// context-length check, stream_options rules, reasoning toggles, tools, seed.

import { laxInteger } from '../core/json.js';
import { SimHttpError, modelNotFoundMessage } from './errors.js';
import type { ResolvedOptions } from './options.js';
import type { ToolChoice, ToolSpec } from './plan.js';

export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The served name (the model or one of its LoRA adapters); an absent, null or empty model means the served one (vLLM), another one is a 404. */
export function checkModel(body: Json, o: ResolvedOptions): string {
  const model = body.model;
  if (model === undefined || model === null || model === '') return o.model;
  if (typeof model !== 'string') throw new SimHttpError(400, 'model: Input should be a valid string', 'model', 'Bad Request', true);
  if (model !== o.model && !o.loraModules.some((l) => l.name === model)) throw new SimHttpError(404, modelNotFoundMessage(model), 'model');
  return model;
}

/** The output cap among `fields` (preferred first), as vLLM reads them; 400 when a field is not an integer, or the one read is below 1. */
export function maxTokensOf(body: Json, fields: readonly string[]): number | undefined {
  for (const f of fields) {
    const v = body[f];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v))) throw new SimHttpError(400, `${f}: Input should be a valid integer`, f, 'Bad Request', true);
  }
  // As vLLM reads them (`max_completion_tokens or max_tokens`): an unset or 0 field gives way to
  // the next one; the last one's value stands.
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as string;
    const v = body[f] as number | null | undefined;
    if ((v === undefined || v === null || v === 0) && i < fields.length - 1) continue;
    if (v === undefined || v === null) return undefined;
    if (v < 1) throw new SimHttpError(400, `${f} must be at least 1, got ${v}.`, f);
    return v;
  }
  return undefined;
}

/** The simulator's own bound on `n` (vLLM has none; its scheduler bounds what runs at once). */
export const MAX_CHOICES = 128;

/** `n`, the number of choices (chat and completions), as the body validation reads it: 1 when absent, 400 when not an integer. */
export function choicesField(body: Json): number {
  const raw = body.n;
  if (raw === undefined || raw === null) return 1;
  const v = laxInteger(raw);
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new SimHttpError(400, 'n: Input should be a valid integer', 'n', 'Bad Request', true);
  return v;
}

/**
 * The sequences a generating request runs on the engine, for its scheduler: `n` choices of a
 * chat or completions request (for each prompt of a completions request that sends several).
 * Never throws: a body the endpoint refuses later counts one.
 */
export function sequencesOf(path: string, json: unknown): number {
  if (path !== '/v1/chat/completions' && path !== '/v1/completions') return 1;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 1;
  const body = json as Json;
  const n = laxInteger(body.n);
  const choices = typeof n === 'number' && Number.isInteger(n) && n > 1 ? Math.min(n, MAX_CHOICES) : 1;
  const prompt = path === '/v1/completions' ? body.prompt : undefined;
  const prompts = Array.isArray(prompt) && prompt.length > 1 && (typeof prompt[0] === 'string' || Array.isArray(prompt[0])) ? prompt.length : 1;
  return choices * prompts;
}

/** The sampling parameters' check of `n` (after the model and context checks, as in vLLM): 1..MAX_CHOICES. */
export function checkChoices(n: number): number {
  if (n < 1) throw new SimHttpError(400, `n must be at least 1, got ${n}.`, 'n');
  if (n > MAX_CHOICES) throw new SimHttpError(400, `n must be at most ${MAX_CHOICES} in the simulator, got ${n}.`, 'n');
  return n;
}

/** vLLM's context check (renderer-era message, parameter input_tokens). */
export function checkContext(promptTokens: number, maxTokens: number | undefined, maxModelLen: number): void {
  const requested = maxTokens ?? 0;
  if (promptTokens + requested <= maxModelLen && promptTokens < maxModelLen) return;
  throw new SimHttpError(
    400,
    `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${requested} output tokens and your prompt contains at least ${promptTokens} input tokens, for a total of at least ${promptTokens + requested} tokens. Please reduce the length of the input prompt or the number of requested output tokens. (parameter=input_tokens, value=${promptTokens})`,
    'input_tokens',
  );
}

/** Output tokens when the request sets no cap: what is left of the context (vLLM, not OpenAI). */
export function defaultCap(promptTokens: number, maxModelLen: number): number {
  return maxModelLen - promptTokens;
}

/** Usage flags for chat/completions streams, with vLLM's StreamOptions defaults. */
export interface StreamUsage {
  readonly include: boolean;
  readonly continuous: boolean;
}

/**
 * `stream_options` without `stream` → 400 (a non-empty object only, like vLLM's truthiness
 * check); present ⇒ include_usage defaults to true; continuous needs include.
 */
export function streamUsage(body: Json, stream: boolean, force: boolean): StreamUsage {
  const so = body.stream_options;
  if (!stream) {
    if (isRecord(so) && Object.keys(so).length > 0) {
      throw new SimHttpError(400, 'Stream options can only be defined when `stream=True`.', 'stream_options');
    }
    return { include: false, continuous: false };
  }
  if (!isRecord(so)) return { include: force, continuous: false };
  const include = so.include_usage === undefined ? true : so.include_usage === true || force;
  return { include, continuous: include && so.continuous_usage_stats === true };
}

/** `stream` as a boolean (true only for `true`). */
export function isStream(body: Json): boolean {
  return body.stream === true;
}

/**
 * Reasoning on or off: `include_reasoning: false` turns it off; an explicit
 * `chat_template_kwargs.thinking`/`enable_thinking` decides; `reasoning_effort: "none"` turns
 * it off; otherwise the scenario's default.
 */
export function reasoningEnabled(body: Json, byDefault: boolean): boolean {
  if (body.include_reasoning === false) return false;
  const kw = body.chat_template_kwargs;
  if (isRecord(kw)) {
    if (kw.thinking === false || kw.enable_thinking === false) return false;
    if (kw.thinking === true || kw.enable_thinking === true) return true;
  }
  if (body.reasoning_effort === 'none') return false;
  return byDefault;
}

/** Tools of an OpenAI chat body (`{type:"function", function:{name, parameters}}`). */
export function chatTools(body: Json): ToolSpec[] {
  if (!Array.isArray(body.tools)) return [];
  const out: ToolSpec[] = [];
  for (const t of body.tools) {
    if (isRecord(t) && isRecord(t.function) && typeof t.function.name === 'string') {
      out.push({ name: t.function.name, parameters: t.function.parameters });
    }
  }
  return out;
}

/** `tool_choice` of an OpenAI chat body (named form `{type:"function", function:{name}}`). */
export function chatToolChoice(body: Json): ToolChoice {
  const c = body.tool_choice;
  if (c === 'none' || c === 'required') return c;
  if (isRecord(c) && isRecord(c.function) && typeof c.function.name === 'string') return { name: c.function.name };
  return 'auto';
}

/** The text seed and the id seed: header, else body `seed`, else scenario. */
export function requestSeed(headerSeed: number | undefined, body: Json, o: ResolvedOptions): number | undefined {
  if (headerSeed !== undefined) return headerSeed;
  if (typeof body.seed === 'number' && Number.isInteger(body.seed)) return body.seed;
  return o.seed;
}

/** `X-Request-Id` becomes the base of the response id, as in vLLM. */
export function requestIdHeader(h: Record<string, string | string[] | undefined>): string | undefined {
  const v = h['x-request-id'];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}
