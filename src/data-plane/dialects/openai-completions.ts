/**
 * OpenAI legacy Completions: the same usage, usage chunk, `[DONE]` and error frame as chat;
 * only the chunk payload (`choices[].text`) differs. Request: `max_tokens`, prompt text in
 * `prompt` (a string, strings, or token ids) and `suffix`; no system prompt.
 */
import type { SseFrame } from '../../core/sse/parser.js';
import { ascii, memberHolds } from './bytes.js';
import type { Dialect, RequestFormat } from './dialect.js';
import { each, field, hanText } from './json-rewrite.js';
import { openaiChatDialect } from './openai-chat.js';

const COMPLETIONS_HAN = field('choices', each(field('text', hanText)));
const TEXT_KEY = ascii('"text":');

export const openaiCompletionsDialect: Dialect = {
  ...openaiChatDialect,
  name: 'openai-completions',
  outputDelta: (frame: SseFrame) => (frame.complete && memberHolds(frame.raw, TEXT_KEY, 'text') ? 'output' : undefined),
  stripHanFromEvent: COMPLETIONS_HAN,
  stripHanFromBody: COMPLETIONS_HAN,
};

export const openaiCompletionsRequest: RequestFormat = {
  maxTokensFields: ['max_tokens'],
  promptFields: ['prompt', 'suffix'],
  tokenIdField: 'prompt',
  userTexts(body, visit) {
    const prompts = Array.isArray(body.prompt) ? body.prompt : [body.prompt];
    for (const p of prompts) if (typeof p === 'string' && !visit(p)) return;
  },
  // A string prompt only: token-id prompts fall back to the heuristic.
  tokenizeBody: (b) => (typeof b.prompt === 'string' ? { prompt: b.prompt } : undefined),
};
