/**
 * OpenAI Embeddings (and vLLM's pooling endpoints that answer the same way): a whole JSON body
 * whose `usage` counts the input (`prompt_tokens`; no completion). Never a stream, no text the
 * Han filter reads. The request is not shaped: the body goes upstream untouched.
 */
import type { JsonValue } from '../../core/json.js';
import type { Dialect } from './dialect.js';
import { openaiChatDialect, openaiUsage } from './openai-chat.js';
import { child } from './numbers.js';

const same = (data: JsonValue): JsonValue => data;

export const openaiEmbeddingsDialect: Dialect = {
  ...openaiChatDialect,
  name: 'openai-embeddings',
  usageFromBody: (body) => openaiUsage(child(body, 'usage')),
  frameMayCarryUsage: () => false,
  usageFromEvent: () => undefined,
  isTerminal: () => false,
  isErrorFrame: () => false,
  outputDelta: () => undefined,
  isUsageOnlyChunk: () => false,
  stripHanFromEvent: same,
  stripHanFromBody: same,
};
