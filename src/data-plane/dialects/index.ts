/** Which dialect each shaped endpoint speaks; endpoints without one are relayed untouched. */
import type { Endpoint } from '../context.js';
import { anthropicMessagesDialect } from './anthropic-messages.js';
import type { Dialect } from './dialect.js';
import { openaiChatDialect } from './openai-chat.js';
import { openaiCompletionsDialect } from './openai-completions.js';
import { openaiResponsesDialect } from './openai-responses.js';

const BY_ENDPOINT: Readonly<Partial<Record<Endpoint, Dialect>>> = Object.freeze({
  chat: openaiChatDialect,
  completions: openaiCompletionsDialect,
  responses: openaiResponsesDialect,
  messages: anthropicMessagesDialect,
});

/** The dialect whose usage and stream framing apply to `endpoint`, if any. */
export function dialectFor(endpoint: Endpoint): Dialect | undefined {
  return BY_ENDPOINT[endpoint];
}

export type { Dialect, DialectEvent, UsageReport } from './dialect.js';
