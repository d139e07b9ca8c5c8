// The simulator's tokenizer: one deterministic rule, ceil(chars / 4) + 3, applied to the text a
// request carries. Chat, messages, responses, /tokenize and count_tokens all use it, so tests
// can predict every usage block.

import { hashString } from './prng.js';

/** Tokens added to every prompt, standing in for the template's special tokens. */
export const PROMPT_OVERHEAD_TOKENS = 3;

/** The token count of a prompt whose text is `text`: ceil(UTF-16 length / 4) + 3. */
export function countTokens(text: string): number {
  return Math.ceil(text.length / 4) + PROMPT_OVERHEAD_TOKENS;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The text of a content value: a string, or a list of parts whose `text` (OpenAI/Responses
 * text parts), `thinking`, tool `input` (as JSON) and nested tool_result `content` count.
 */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') parts.push(part);
    else if (isRecord(part)) {
      if (typeof part.text === 'string') parts.push(part.text);
      if (typeof part.thinking === 'string') parts.push(part.thinking);
      if (part.type === 'tool_use' && part.input !== undefined) parts.push(JSON.stringify(part.input));
      if (part.type === 'tool_result') parts.push(contentText(part.content));
    }
  }
  return parts.join('');
}

/** The text of an OpenAI-style messages list: contents and tool-call arguments, one line each. */
export function messagesText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  const lines: string[] = [];
  for (const m of messages) {
    if (!isRecord(m)) continue;
    lines.push(contentText(m.content));
    if (Array.isArray(m.tool_calls)) {
      for (const call of m.tool_calls) {
        if (isRecord(call) && isRecord(call.function) && typeof call.function.arguments === 'string') {
          lines.push(call.function.arguments);
        }
      }
    }
  }
  return lines.join('\n');
}

/**
 * Tools count as their JSON text, placed before the conversation as chat templates render them
 * (in the system part): a conversation growing turn by turn keeps them in its cached prefix.
 */
function toolsText(tools: unknown): string {
  return Array.isArray(tools) && tools.length > 0 ? `${JSON.stringify(tools)}\n` : '';
}

/** `head`, the tools, then the conversation; empty pieces take no separator. */
function template(head: string, tools: unknown, conversation: string): string {
  return (head === '' ? '' : `${head}\n`) + toolsText(tools) + conversation;
}

/** Prompt text of a chat completions (or /tokenize chat-form) body: tools, then messages. */
export function chatPromptText(body: Record<string, unknown>): string {
  return template('', body.tools, messagesText(body.messages));
}

/** Prompt text of an Anthropic messages (or count_tokens) body: system, tools, messages. */
export function anthropicPromptText(body: Record<string, unknown>): string {
  return template(contentText(body.system), body.tools, messagesText(body.messages));
}

/** Prompt text of a Responses body: instructions, tools, then input (a string or a list of items). */
export function responsesPromptText(body: Record<string, unknown>): string {
  const input = typeof body.input === 'string' ? body.input : messagesText(body.input);
  const instructions = typeof body.instructions === 'string' ? body.instructions : '';
  return template(instructions, body.tools, input);
}

/** Prompt text of a completions prompt: a string or a list of strings (joined). */
export function completionPromptText(prompt: unknown): string {
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt)) return prompt.filter((p): p is string => typeof p === 'string').join('\n');
  return '';
}

/** Token ids for `text`, `countTokens(text)` of them: 3 specials, then one id per 4-char slice. */
export function tokenIds(text: string): number[] {
  const ids = [1, 2, 3];
  for (let i = 0; i < text.length; i += 4) ids.push(100 + (hashString(text.slice(i, i + 4)) % 150_000));
  return ids;
}

/** The strings behind `tokenIds(text)`. */
export function tokenStrings(text: string): string[] {
  const strs = ['<s>', '<|im_start|>', '<|assistant|>'];
  for (let i = 0; i < text.length; i += 4) strs.push(text.slice(i, i + 4));
  return strs;
}
