/** Which wire format each endpoint speaks; endpoints without one are relayed untouched. */
import type { JsonValue } from '../../core/json.js';
import type { Endpoint } from '../context.js';
import { anthropicCountTokensRequest, anthropicMessagesDialect, anthropicMessagesRequest } from './anthropic-messages.js';
import type { Dialect, RequestFormat } from './dialect.js';
import { openaiChatDialect, openaiChatRequest } from './openai-chat.js';
import { openaiCompletionsDialect, openaiCompletionsRequest } from './openai-completions.js';
import { openaiEmbeddingsDialect } from './openai-embeddings.js';
import { openaiResponsesDialect, openaiResponsesRequest } from './openai-responses.js';

const BY_ENDPOINT: Readonly<Partial<Record<Endpoint, Dialect>>> = Object.freeze({
  chat: openaiChatDialect,
  completions: openaiCompletionsDialect,
  responses: openaiResponsesDialect,
  messages: anthropicMessagesDialect,
  embeddings: openaiEmbeddingsDialect,
});

const REQUEST_BY_ENDPOINT: Readonly<Partial<Record<Endpoint, RequestFormat>>> = Object.freeze({
  chat: openaiChatRequest,
  completions: openaiCompletionsRequest,
  responses: openaiResponsesRequest,
  messages: anthropicMessagesRequest,
  count_tokens: anthropicCountTokensRequest,
});

/** The dialect whose usage and stream framing apply to `endpoint`'s responses, if any. */
export function dialectFor(endpoint: Endpoint): Dialect | undefined {
  return BY_ENDPOINT[endpoint];
}

/** The request side of `endpoint`'s wire format (the shaped endpoints), if any. */
export function requestFormatFor(endpoint: Endpoint): RequestFormat | undefined {
  return REQUEST_BY_ENDPOINT[endpoint];
}

/** The output budget a shaped body asks for (its first budget field holding a number), if any. */
export function outputBudget(endpoint: Endpoint, body: Readonly<Record<string, JsonValue | undefined>>): number | undefined {
  const fields = REQUEST_BY_ENDPOINT[endpoint]?.maxTokensFields;
  if (fields === undefined) return undefined;
  for (const f of fields) {
    const v = body[f];
    if (typeof v === 'number') return v;
  }
  return undefined;
}

/** A stream event's data with Han stripped from its natural-language fields (same ref if unchanged). */
export function stripHanFromEvent(endpoint: Endpoint, data: JsonValue): JsonValue {
  const d = dialectFor(endpoint);
  return d === undefined ? data : d.stripHanFromEvent(data);
}

/** A whole (non-stream) JSON response with Han stripped (same ref if unchanged). */
export function stripHanFromBody(endpoint: Endpoint, body: JsonValue): JsonValue {
  const d = dialectFor(endpoint);
  return d === undefined ? body : d.stripHanFromBody(body);
}

export type { Dialect, DialectEvent, OutputDelta, RequestFormat, UsageReport } from './dialect.js';
