/**
 * Reads one SSE event of a chat stream into what the playground shows: answer text,
 * reasoning text (kept apart), usage, the end, or an error. OpenAI chat chunks carry
 * `delta.content` and `delta.reasoning` / `delta.reasoning_content`; Anthropic streams carry
 * `content_block_delta` events with `text_delta` / `thinking_delta`.
 */
import type { SseEvent } from '../../lib/sse-parser';
import type { Dialect } from './chat-request';

/** What one event contributes. Unknown events contribute nothing. */
export interface StreamPiece {
  readonly answer?: string;
  readonly reasoning?: string;
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  readonly done?: boolean;
  readonly error?: string;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function errorText(v: unknown): string {
  const e = record(v);
  return str(e?.message) ?? str(v) ?? 'The stream reported an error.';
}

function parseJson(data: string): Record<string, unknown> | undefined {
  try {
    return record(JSON.parse(data));
  } catch {
    return undefined;
  }
}

function openAiPiece(ev: SseEvent): StreamPiece {
  if (ev.data.trim() === '[DONE]') return { done: true };
  const chunk = parseJson(ev.data);
  if (chunk === undefined) return {};
  if (chunk.error !== undefined) return { error: errorText(chunk.error) };
  const piece: { -readonly [K in keyof StreamPiece]: StreamPiece[K] } = {};
  const choices = Array.isArray(chunk.choices) ? (chunk.choices as unknown[]) : [];
  const delta = record(record(choices[0])?.delta);
  if (delta !== undefined) {
    const answer = str(delta.content);
    const reasoning = str(delta.reasoning) ?? str(delta.reasoning_content);
    if (answer !== undefined) piece.answer = answer;
    if (reasoning !== undefined) piece.reasoning = reasoning;
  }
  const usage = record(chunk.usage);
  if (usage !== undefined) {
    const p = num(usage.prompt_tokens);
    const c = num(usage.completion_tokens);
    if (p !== undefined) piece.promptTokens = p;
    if (c !== undefined) piece.completionTokens = c;
  }
  return piece;
}

function anthropicPiece(ev: SseEvent): StreamPiece {
  const msg = parseJson(ev.data);
  const type = ev.event !== 'message' ? ev.event : str(msg?.type);
  if (msg === undefined) return {};
  switch (type) {
    case 'content_block_delta': {
      const delta = record(msg.delta);
      if (delta?.type === 'text_delta') {
        const text = str(delta.text);
        return text === undefined ? {} : { answer: text };
      }
      if (delta?.type === 'thinking_delta') {
        const thinking = str(delta.thinking);
        return thinking === undefined ? {} : { reasoning: thinking };
      }
      return {};
    }
    case 'message_start': {
      const usage = record(record(msg.message)?.usage);
      const p = num(usage?.input_tokens);
      return p === undefined ? {} : { promptTokens: p };
    }
    case 'message_delta': {
      const usage = record(msg.usage);
      const c = num(usage?.output_tokens);
      const p = num(usage?.input_tokens);
      return { ...(c === undefined ? {} : { completionTokens: c }), ...(p === undefined ? {} : { promptTokens: p }) };
    }
    case 'message_stop':
      return { done: true };
    case 'error':
      return { error: errorText(msg.error) };
    default:
      return {};
  }
}

/** What `ev` contributes to the turn being streamed in `dialect`. */
export function readStreamEvent(dialect: Dialect, ev: SseEvent): StreamPiece {
  return dialect === 'openai' ? openAiPiece(ev) : anthropicPiece(ev);
}
