/**
 * OpenAI legacy Completions: the same usage, usage chunk, `[DONE]` and
 * error frame as chat; only the chunk payload (`choices[].text`) differs.
 */
import type { Dialect } from './dialect.js';
import { openaiChatDialect } from './openai-chat.js';

export const openaiCompletionsDialect: Dialect = { ...openaiChatDialect, name: 'openai-completions' };
