// Renders a plan as vLLM's /v1/responses (non-harmony path): the response object, and the
// named-event stream (created, in_progress, reasoning item, message item or function calls,
// completed with usage; increasing sequence_number; no [DONE]).

import { formatSseEvent } from '../../core/sse/writer.js';
import type { Piece, Plan, PlannedToolCall } from '../plan.js';

/** Request echoes and ids the response object needs. */
export interface ResponsesRender {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  readonly plan: Plan;
  /** Prompt tokens from the prefix cache (`input_tokens_details.cached_tokens`). */
  readonly cachedTokens?: number;
  readonly reasoningId: string;
  readonly messageId: string;
  /** One `fc_…` item id per tool call. */
  readonly callItemIds: readonly string[];
  readonly echo: {
    readonly instructions: string | null;
    readonly maxOutputTokens: number;
    readonly temperature: number;
    readonly topP: number;
    readonly toolChoice: unknown;
    readonly tools: unknown[];
    readonly parallelToolCalls: boolean;
  };
}

type Obj = Record<string, unknown>;

function reasoningItem(r: ResponsesRender, status: string, text: string | null): Obj {
  return { id: r.reasoningId, summary: [], type: 'reasoning', content: text === null ? null : [{ text, type: 'reasoning_text' }], encrypted_content: null, status };
}

function messageItem(r: ResponsesRender, status: string, text: string | null): Obj {
  const content = text === null ? [] : [{ annotations: [], text, type: 'output_text', logprobs: null }];
  return { id: r.messageId, content, role: 'assistant', status, type: 'message' };
}

function callItem(r: ResponsesRender, i: number, call: PlannedToolCall, status: string, args: string): Obj {
  return { arguments: args, call_id: call.id, name: call.name, type: 'function_call', id: r.callItemIds[i], status };
}

function usage(plan: Plan, cachedTokens: number): Obj {
  return {
    input_tokens: plan.promptTokens,
    input_tokens_details: { cached_tokens: cachedTokens },
    output_tokens: plan.completionTokens,
    output_tokens_details: { reasoning_tokens: plan.reasoningTokens },
    total_tokens: plan.promptTokens + plan.completionTokens,
  };
}

function finalOutput(r: ResponsesRender): Obj[] {
  const { plan } = r;
  const out: Obj[] = [];
  if (plan.reasoning !== '') out.push(reasoningItem(r, 'completed', plan.reasoning));
  if (plan.content !== '') out.push(messageItem(r, 'completed', plan.content));
  plan.toolCalls.forEach((c, i) => out.push(callItem(r, i, c, 'completed', c.text)));
  return out;
}

/** The response object (`status` in_progress for created/in_progress events). */
export function responseObject(r: ResponsesRender, done: boolean): Obj {
  const incomplete = done && r.plan.finish === 'length';
  const e = r.echo;
  return {
    id: r.id,
    created_at: r.created,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: e.instructions,
    metadata: null,
    model: r.model,
    object: 'response',
    output: done ? finalOutput(r) : [],
    parallel_tool_calls: e.parallelToolCalls,
    temperature: e.temperature,
    tool_choice: e.toolChoice,
    tools: e.tools,
    top_p: e.topP,
    background: false,
    max_output_tokens: e.maxOutputTokens,
    max_tool_calls: null,
    previous_response_id: null,
    prompt: null,
    reasoning: null,
    service_tier: 'auto',
    status: !done ? 'in_progress' : incomplete ? 'incomplete' : 'completed',
    text: null,
    top_logprobs: null,
    truncation: 'disabled',
    usage: done ? usage(r.plan, r.cachedTokens ?? 0) : null,
    user: null,
  };
}

/** The SSE steps; `seq` is shared with the error frames. */
export function* responsesStreamSteps(r: ResponsesRender, seq: { n: number }): Generator<string[]> {
  const { plan } = r;
  const ev = (type: string, fields: Obj): string => formatSseEvent(type, JSON.stringify({ ...fields, sequence_number: seq.n++, type }));
  let open: 'reasoning' | 'message' | 'call' | undefined;
  let oi = -1;
  let call = -1;
  let args = '';
  const close = (frames: string[]): void => {
    if (open === 'reasoning') {
      const t = plan.reasoning;
      frames.push(ev('response.reasoning_text.done', { content_index: 0, item_id: r.reasoningId, output_index: oi, text: t }));
      frames.push(ev('response.content_part.done', { content_index: 0, item_id: r.reasoningId, output_index: oi, part: { text: t, type: 'reasoning_text' } }));
      frames.push(ev('response.output_item.done', { item: reasoningItem(r, 'completed', t), output_index: oi }));
    } else if (open === 'message') {
      const t = plan.content;
      frames.push(ev('response.output_text.done', { content_index: 0, item_id: r.messageId, logprobs: [], output_index: oi, text: t }));
      frames.push(ev('response.content_part.done', { content_index: 0, item_id: r.messageId, output_index: oi, part: { annotations: [], text: t, type: 'output_text', logprobs: null } }));
      frames.push(ev('response.output_item.done', { item: messageItem(r, 'completed', t), output_index: oi }));
    } else if (open === 'call') {
      const c = plan.toolCalls[call] as PlannedToolCall;
      const itemId = r.callItemIds[call];
      frames.push(ev('response.function_call_arguments.done', { arguments: args, item_id: itemId, name: c.name, output_index: oi }));
      frames.push(ev('response.output_item.done', { item: callItem(r, call, c, 'completed', args), output_index: oi }));
    }
    open = undefined;
  };
  const begin = (): string[] => [
    ev('response.created', { response: responseObject(r, false) }),
    ev('response.in_progress', { response: responseObject(r, false) }),
  ];
  const end = (frames: string[]): void => {
    close(frames);
    frames.push(ev('response.completed', { response: responseObject(r, true) }));
  };
  const pieces = plan.pieces;
  if (pieces.length === 0) {
    const frames = begin();
    end(frames);
    yield frames;
    return;
  }
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i] as Piece;
    const frames = i === 0 ? begin() : [];
    if (p.kind === 'reasoning') {
      if (open !== 'reasoning') {
        close(frames);
        open = 'reasoning';
        oi++;
        frames.push(ev('response.output_item.added', { item: reasoningItem(r, 'in_progress', null), output_index: oi }));
        frames.push(ev('response.content_part.added', { content_index: 0, item_id: r.reasoningId, output_index: oi, part: { text: '', type: 'reasoning_text' } }));
      }
      frames.push(ev('response.reasoning_text.delta', { content_index: 0, delta: p.text, item_id: r.reasoningId, output_index: oi }));
    } else if (p.kind === 'content') {
      if (open !== 'message') {
        close(frames);
        open = 'message';
        oi++;
        frames.push(ev('response.output_item.added', { item: messageItem(r, 'in_progress', null), output_index: oi }));
        frames.push(ev('response.content_part.added', { content_index: 0, item_id: r.messageId, output_index: oi, part: { annotations: [], text: '', type: 'output_text', logprobs: [] } }));
      }
      frames.push(ev('response.output_text.delta', { content_index: 0, delta: p.text, item_id: r.messageId, logprobs: [], output_index: oi }));
    } else {
      if (p.first) {
        close(frames);
        open = 'call';
        oi++;
        call = p.call;
        args = '';
        const c = plan.toolCalls[call] as PlannedToolCall;
        frames.push(ev('response.output_item.added', { item: callItem(r, call, c, 'in_progress', ''), output_index: oi }));
      }
      args += p.text;
      frames.push(ev('response.function_call_arguments.delta', { delta: p.text, item_id: r.callItemIds[call], output_index: oi }));
    }
    if (i === pieces.length - 1) end(frames);
    yield frames;
  }
}

/** An `error` event (the OpenAI SDK throws on it). */
export function responsesErrorFrames(seq: { n: number }, message: string): string[] {
  return [formatSseEvent('error', JSON.stringify({ type: 'error', code: 'InternalServerError', message, param: null, sequence_number: seq.n++ }))];
}
