// Renders a plan as vLLM chat completions: the JSON body and the SSE chunk sequence
// (role chunk, one chunk per token, finish on the last token, usage chunk, [DONE]),
// with the reasoning field(s) of the chosen era and vLLM's exclude_unset key presence.

import { SSE_DONE, formatSseData } from '../../core/sse/writer.js';
import type { Era } from '../options.js';
import type { Piece, Plan } from '../plan.js';
import type { StreamUsage } from '../request-facts.js';

/** What a chat render needs besides the plan. */
export interface ChatRender {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  readonly era: Era;
  readonly plan: Plan;
  /** Prompt tokens from the prefix cache, reported when set and above 0 (vLLM's prompt_tokens_details). */
  readonly cachedTokens?: number | undefined;
  /** Choices 1 to n − 1 when the request asked for `n` > 1 (`plan` is choice 0). */
  readonly others?: readonly Plan[] | undefined;
}

/** Every choice's plan, in index order. */
export function choicePlans(r: { readonly plan: Plan; readonly others?: readonly Plan[] | undefined }): readonly Plan[] {
  return r.others === undefined || r.others.length === 0 ? [r.plan] : [r.plan, ...r.others];
}

/** Output tokens over every choice (what usage reports). */
export function completionTotal(plans: readonly Plan[]): number {
  return plans.reduce((n, p) => n + p.completionTokens, 0);
}

/** vLLM usage key order: prompt, total, completion, then the details present (cached, reasoning). */
export function usageJson(prompt: number, completion: number, cached?: number, reasoning?: number): string {
  let details = cached !== undefined && cached > 0 ? `,"prompt_tokens_details":{"cached_tokens":${cached}}` : '';
  if (reasoning !== undefined && reasoning > 0) details += `,"completion_tokens_details":{"reasoning_tokens":${reasoning}}`;
  return `{"prompt_tokens":${prompt},"total_tokens":${prompt + completion},"completion_tokens":${completion}${details}}`;
}

/** Reasoning tokens, reported with the other token details (when prompt-token details are on). */
function reasoningDetail(r: ChatRender, plans: readonly Plan[]): number {
  return r.cachedTokens === undefined ? 0 : plans.reduce((n, p) => n + p.reasoningTokens, 0);
}

function message(plan: Plan, era: Era): Record<string, unknown> {
  const content = plan.content === '' ? null : plan.content;
  const reasoning = plan.reasoning === '' ? null : plan.reasoning;
  const toolCalls = plan.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.text } }));
  if (era === 'legacy') return { role: 'assistant', reasoning_content: reasoning, content, tool_calls: toolCalls };
  const m: Record<string, unknown> = {
    role: 'assistant', content, refusal: null, annotations: null, audio: null, function_call: null, tool_calls: toolCalls, reasoning,
  };
  if (era === 'dual') m.reasoning_content = reasoning;
  return m;
}

/** The non-stream `chat.completion` body. */
export function chatCompletionJson(r: ChatRender): string {
  const plans = choicePlans(r);
  const P = r.plan.promptTokens;
  const completion = completionTotal(plans);
  const reasoning = reasoningDetail(r, plans);
  return JSON.stringify({
    id: r.id,
    object: 'chat.completion',
    created: r.created,
    model: r.model,
    choices: plans.map((plan, index) => ({ index, message: message(plan, r.era), logprobs: null, finish_reason: plan.finish, stop_reason: null, token_ids: null })),
    service_tier: null,
    system_fingerprint: null,
    usage: {
      prompt_tokens: P,
      total_tokens: P + completion,
      completion_tokens: completion,
      prompt_tokens_details: r.cachedTokens !== undefined && r.cachedTokens > 0 ? { cached_tokens: r.cachedTokens } : null,
      ...(reasoning > 0 ? { completion_tokens_details: { reasoning_tokens: reasoning } } : {}),
    },
    prompt_logprobs: null,
    prompt_token_ids: null,
    kv_transfer_params: null,
  });
}

/** The delta object text for one token. */
function deltaJson(p: Piece, plan: Plan, r: ChatRender): string {
  const dual = r.era === 'dual' ? ',"reasoning_content":null' : '';
  switch (p.kind) {
    case 'reasoning': {
      const t = JSON.stringify(p.text);
      if (r.era === 'legacy') return `{"reasoning_content":${t}}`;
      return r.era === 'dual' ? `{"reasoning":${t},"reasoning_content":${t}}` : `{"reasoning":${t}}`;
    }
    case 'content':
      return `{"content":${JSON.stringify(p.text)}${dual}}`;
    case 'tool': {
      const call = plan.toolCalls[p.call];
      const args = JSON.stringify(p.text);
      const tc = p.first && call !== undefined
        ? `{"id":${JSON.stringify(call.id)},"type":"function","index":${p.call},"function":{"name":${JSON.stringify(call.name)},"arguments":${args}}}`
        : `{"index":${p.call},"function":{"arguments":${args}}}`;
      return `{"tool_calls":[${tc}]${dual}}`;
    }
  }
}

/**
 * The SSE steps; each step's frames are written together. With `n` > 1, as vLLM does: a role
 * chunk per choice first, then each step one chunk per choice that has a token left, and one
 * usage chunk over every choice at the end (continuous usage counts each choice's own tokens).
 */
export function* chatStreamSteps(r: ChatRender, usage: StreamUsage): Generator<string[]> {
  const plans = choicePlans(r);
  const head = `{"id":${JSON.stringify(r.id)},"object":"chat.completion.chunk","created":${r.created},"model":${JSON.stringify(r.model)},"choices":[`;
  const P = r.plan.promptTokens;
  const tail = (done: number): string => (usage.continuous ? `],"usage":${usageJson(P, done)}}` : ']}');
  const roleDelta = r.era === 'dual' ? '{"role":"assistant","content":"","reasoning_content":null}' : '{"role":"assistant","content":""}';
  const role = (index: number): string => formatSseData(
    `${head}{"index":${index},"delta":${roleDelta},"logprobs":null,"finish_reason":null}${usage.continuous ? `],"usage":${usageJson(P, 0)}` : ']'},"prompt_token_ids":null}`,
  );
  const finishChoice = (index: number, plan: Plan, delta: string): string =>
    `{"index":${index},"delta":${delta},"logprobs":null,"finish_reason":${JSON.stringify(plan.finish)},"stop_reason":null,"token_ids":null}`;
  const emptyDelta = r.era === 'dual' ? '{"reasoning_content":null}' : '{}';
  const steps = Math.max(1, ...plans.map((p) => p.pieces.length));
  for (let k = 0; k < steps; k++) {
    const step = k === 0 ? plans.map((_, index) => role(index)) : [];
    plans.forEach((plan, index) => {
      const pieces = plan.pieces;
      if (pieces.length === 0) {
        if (k === 0) step.push(formatSseData(`${head}${finishChoice(index, plan, emptyDelta)}${tail(0)}`));
        return;
      }
      if (k >= pieces.length) return;
      const delta = deltaJson(pieces[k] as Piece, plan, r);
      const choice = k === pieces.length - 1
        ? finishChoice(index, plan, delta)
        : `{"index":${index},"delta":${delta},"logprobs":null,"finish_reason":null,"token_ids":null}`;
      step.push(formatSseData(`${head}${choice}${tail(k + 1)}`));
    });
    if (k === steps - 1) {
      if (usage.include) step.push(formatSseData(`${head}],"usage":${usageJson(P, completionTotal(plans), r.cachedTokens, reasoningDetail(r, plans))}}`));
      step.push(SSE_DONE);
    }
    yield step;
  }
}

/** vLLM's mid-stream error: one `data: {"error":…}` frame, then `[DONE]`. */
export function chatErrorFrames(message: string): string[] {
  return [formatSseData({ error: { message, type: 'InternalServerError', param: null, code: 500 } }), SSE_DONE];
}
