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
}

/** vLLM usage key order: prompt, total, completion, then the details present (cached, reasoning). */
export function usageJson(prompt: number, completion: number, cached?: number, reasoning?: number): string {
  let details = cached !== undefined && cached > 0 ? `,"prompt_tokens_details":{"cached_tokens":${cached}}` : '';
  if (reasoning !== undefined && reasoning > 0) details += `,"completion_tokens_details":{"reasoning_tokens":${reasoning}}`;
  return `{"prompt_tokens":${prompt},"total_tokens":${prompt + completion},"completion_tokens":${completion}${details}}`;
}

/** Reasoning tokens, reported with the other token details (when prompt-token details are on). */
function reasoningDetail(r: ChatRender): number {
  return r.cachedTokens === undefined ? 0 : r.plan.reasoningTokens;
}

function message(r: ChatRender): Record<string, unknown> {
  const { plan, era } = r;
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
  const { plan } = r;
  return JSON.stringify({
    id: r.id,
    object: 'chat.completion',
    created: r.created,
    model: r.model,
    choices: [{ index: 0, message: message(r), logprobs: null, finish_reason: plan.finish, stop_reason: null, token_ids: null }],
    service_tier: null,
    system_fingerprint: null,
    usage: {
      prompt_tokens: plan.promptTokens,
      total_tokens: plan.promptTokens + plan.completionTokens,
      completion_tokens: plan.completionTokens,
      prompt_tokens_details: r.cachedTokens !== undefined && r.cachedTokens > 0 ? { cached_tokens: r.cachedTokens } : null,
      ...(reasoningDetail(r) > 0 ? { completion_tokens_details: { reasoning_tokens: reasoningDetail(r) } } : {}),
    },
    prompt_logprobs: null,
    prompt_token_ids: null,
    kv_transfer_params: null,
  });
}

/** The delta object text for one token. */
function deltaJson(p: Piece, r: ChatRender): string {
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
      const call = r.plan.toolCalls[p.call];
      const args = JSON.stringify(p.text);
      const tc = p.first && call !== undefined
        ? `{"id":${JSON.stringify(call.id)},"type":"function","index":${p.call},"function":{"name":${JSON.stringify(call.name)},"arguments":${args}}}`
        : `{"index":${p.call},"function":{"arguments":${args}}}`;
      return `{"tool_calls":[${tc}]${dual}}`;
    }
  }
}

/** The SSE steps; each step's frames are written together. */
export function* chatStreamSteps(r: ChatRender, usage: StreamUsage): Generator<string[]> {
  const { plan } = r;
  const head = `{"id":${JSON.stringify(r.id)},"object":"chat.completion.chunk","created":${r.created},"model":${JSON.stringify(r.model)},"choices":[`;
  const P = plan.promptTokens;
  const tail = (done: number): string => (usage.continuous ? `],"usage":${usageJson(P, done)}}` : ']}');
  const roleDelta = r.era === 'dual' ? '{"role":"assistant","content":"","reasoning_content":null}' : '{"role":"assistant","content":""}';
  const role = formatSseData(
    `${head}{"index":0,"delta":${roleDelta},"logprobs":null,"finish_reason":null}${usage.continuous ? `],"usage":${usageJson(P, 0)}` : ']'},"prompt_token_ids":null}`,
  );
  const finishChoice = (delta: string): string =>
    `{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${JSON.stringify(plan.finish)},"stop_reason":null,"token_ids":null}`;
  const ending = (): string[] => {
    const frames: string[] = [];
    if (usage.include) frames.push(formatSseData(`${head}],"usage":${usageJson(P, plan.completionTokens, r.cachedTokens, reasoningDetail(r))}}`));
    frames.push(SSE_DONE);
    return frames;
  };
  const pieces = plan.pieces;
  if (pieces.length === 0) {
    const empty = r.era === 'dual' ? '{"reasoning_content":null}' : '{}';
    yield [role, formatSseData(`${head}${finishChoice(empty)}${tail(0)}`), ...ending()];
    return;
  }
  for (let i = 0; i < pieces.length; i++) {
    const delta = deltaJson(pieces[i] as Piece, r);
    const last = i === pieces.length - 1;
    const choice = last ? finishChoice(delta) : `{"index":0,"delta":${delta},"logprobs":null,"finish_reason":null,"token_ids":null}`;
    const frame = formatSseData(`${head}${choice}${tail(i + 1)}`);
    const step = i === 0 ? [role, frame] : [frame];
    if (last) step.push(...ending());
    yield step;
  }
}

/** vLLM's mid-stream error: one `data: {"error":…}` frame, then `[DONE]`. */
export function chatErrorFrames(message: string): string[] {
  return [formatSseData({ error: { message, type: 'InternalServerError', param: null, code: 500 } }), SSE_DONE];
}
