// POST /v1/chat/completions: validates like vLLM, plans the answer, renders it in the era's
// chat format as JSON or SSE.

import type { Exchange } from '../exchange.js';
import { SimHttpError } from '../errors.js';
import {
  chatToolChoice, chatTools, checkContext, checkModel, checkChoices, choicesField, defaultCap, isStream, maxTokensOf, reasoningEnabled,
  requestIdHeader, streamUsage,
} from '../request-facts.js';
import type { Json } from '../request-facts.js';
import { chatPromptText, countTokens } from '../tokens.js';
import { chatCompletionJson, chatErrorFrames, chatStreamSteps } from '../wire/chat.js';
import { generate, generationDelay, respondJson, respondStream } from './respond.js';

/** Prompt tokens of a chat body (also what /tokenize answers for the same messages). */
export function chatPromptTokens(body: Json): number {
  return countTokens(chatPromptText(body));
}

export function handleChat(x: Exchange, body: Json): void {
  const o = x.sim.options;
  // Body validation (pydantic in vLLM) comes before the model lookup.
  if (!Array.isArray(body.messages)) throw new SimHttpError(400, 'messages: Field required', 'messages', 'Bad Request');
  const stream = isStream(body);
  const usage = streamUsage(body, stream, o.forceIncludeUsage);
  const requested = maxTokensOf(body, ['max_completion_tokens', 'max_tokens']);
  const n = choicesField(body);
  const model = checkModel(body, o);
  const promptText = chatPromptText(body);
  const promptTokens = countTokens(promptText);
  checkContext(promptTokens, requested, o.maxModelLen);
  const choices = checkChoices(n);
  const { plan, others, ids, hexLen, cachedTokens } = generate(x, body, {
    promptText,
    promptTokens,
    maxTokens: requested ?? defaultCap(promptTokens, o.maxModelLen),
    reasoning: reasoningEnabled(body, x.controls.reasoning),
    tools: chatTools(body),
    toolChoice: chatToolChoice(body),
    choices,
  });
  const rid = requestIdHeader(x.req.headers);
  const render = { id: `chatcmpl-${rid ?? ids.hex(hexLen)}`, created: ids.created, model, era: x.controls.era, plan, others, cachedTokens };
  if (!stream) {
    respondJson(x, chatCompletionJson(render), generationDelay(x, Math.max(plan.completionTokens, ...others.map((p) => p.completionTokens))));
    return;
  }
  respondStream(x, { steps: chatStreamSteps(render, usage), errorFrames: chatErrorFrames });
}
