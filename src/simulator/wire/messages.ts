// Renders a plan as vLLM's Anthropic front end does, deviations included: the id is the chat
// id, message_start lacks type/role and carries output_tokens 0, `index` comes last, no ping
// events, a signature_delta closes each thinking block, message_delta usage is cumulative.

import { formatSseEvent } from '../../core/sse/writer.js';
import type { IdSource } from '../ids.js';
import type { FinishReason, Piece, Plan } from '../plan.js';

export interface MessagesRender {
  readonly id: string;
  readonly model: string;
  readonly plan: Plan;
  /** Source of the thinking signatures (random 32-hex, as vLLM's uuid4().hex). */
  readonly ids: IdSource;
  /** Prompt tokens from the prefix cache (prompt-token details on): reported as Anthropic's cache reads. */
  readonly cachedTokens?: number | undefined;
}

/** `"input_tokens":N`, with cache reads apart when there are any (Anthropic's input excludes them). */
function inputUsage(r: MessagesRender): string {
  const cached = r.cachedTokens ?? 0;
  if (cached === 0) return `"input_tokens":${r.plan.promptTokens}`;
  return `"input_tokens":${r.plan.promptTokens - cached},"cache_read_input_tokens":${cached}`;
}

const STOP_REASON: Record<FinishReason, string> = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' };

/** The non-stream body (serialised by vLLM with exclude_none: no stop_sequence; cache reads only when there are any). */
export function messagesJson(r: MessagesRender): string {
  const { plan } = r;
  const content: Record<string, unknown>[] = [];
  if (plan.reasoning !== '') content.push({ type: 'thinking', thinking: plan.reasoning, signature: r.ids.hex(32) });
  if (plan.content !== '') content.push({ type: 'text', text: plan.content });
  for (const c of plan.toolCalls) content.push({ type: 'tool_use', id: c.id, name: c.name, input: c.args });
  return JSON.stringify({
    id: r.id,
    type: 'message',
    role: 'assistant',
    content,
    model: r.model,
    stop_reason: STOP_REASON[plan.finish],
    usage: JSON.parse(`{${inputUsage(r)},"output_tokens":${plan.completionTokens}}`) as Record<string, number>,
  });
}

type BlockType = 'thinking' | 'text' | 'tool_use';

/** The SSE steps: message_start with the first token, then one step per token. */
export function* messagesStreamSteps(r: MessagesRender): Generator<string[]> {
  const { plan } = r;
  const ev = (type: string, json: string): string => formatSseEvent(type, json);
  const start = ev('message_start', `{"type":"message_start","message":{"id":${JSON.stringify(r.id)},"content":[],"model":${JSON.stringify(r.model)},"stop_reason":null,"stop_sequence":null,"usage":{${inputUsage(r)},"output_tokens":0}}}`);
  let block: BlockType | undefined;
  let index = 0;
  const delta = (json: string): string => ev('content_block_delta', `{"type":"content_block_delta","delta":${json},"index":${index}}`);
  const stopBlock = (frames: string[]): void => {
    if (block === undefined) return;
    if (block === 'thinking') frames.push(delta(`{"type":"signature_delta","signature":"${r.ids.hex(32)}"}`));
    frames.push(ev('content_block_stop', `{"type":"content_block_stop","index":${index}}`));
    block = undefined;
    index++;
  };
  const startBlock = (frames: string[], type: BlockType, json: string): void => {
    stopBlock(frames);
    frames.push(ev('content_block_start', `{"type":"content_block_start","content_block":${json},"index":${index}}`));
    block = type;
  };
  const ending = (frames: string[]): void => {
    stopBlock(frames);
    frames.push(ev('message_delta', `{"type":"message_delta","delta":{"stop_reason":"${STOP_REASON[plan.finish]}"},"usage":{${inputUsage(r)},"output_tokens":${plan.completionTokens}}}`));
    frames.push(ev('message_stop', '{"type":"message_stop"}'));
  };
  if (plan.pieces.length === 0) {
    const frames = [start];
    ending(frames);
    yield frames;
    return;
  }
  for (let i = 0; i < plan.pieces.length; i++) {
    const p = plan.pieces[i] as Piece;
    const frames = i === 0 ? [start] : [];
    const text = JSON.stringify(p.text);
    if (p.kind === 'reasoning') {
      if (block !== 'thinking') startBlock(frames, 'thinking', '{"type":"thinking","thinking":""}');
      frames.push(delta(`{"type":"thinking_delta","thinking":${text}}`));
    } else if (p.kind === 'content') {
      if (block !== 'text') startBlock(frames, 'text', '{"type":"text","text":""}');
      frames.push(delta(`{"type":"text_delta","text":${text}}`));
    } else {
      const call = plan.toolCalls[p.call];
      if (p.first && call !== undefined) {
        startBlock(frames, 'tool_use', `{"type":"tool_use","id":${JSON.stringify(call.id)},"name":${JSON.stringify(call.name)},"input":{}}`);
      }
      if (p.text !== '') frames.push(delta(`{"type":"input_json_delta","partial_json":${text}}`));
    }
    if (i === plan.pieces.length - 1) ending(frames);
    yield frames;
  }
}

/** The front end's in-stream error event (then the stream ends, no message_stop). */
export function messagesErrorFrames(message: string): string[] {
  return [formatSseEvent('error', JSON.stringify({ type: 'error', error: { type: 'internal_error', message } }))];
}
