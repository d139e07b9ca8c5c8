// POST /v1/completions: plain text generation (no reasoning, no tools); vLLM's default
// max_tokens of 16 applies when the request sets none.

import type { Exchange } from '../exchange.js';
import { SimHttpError } from '../errors.js';
import { checkContext, checkChoices, checkModel, choicesField, isStream, maxTokensOf, requestIdHeader, streamUsage } from '../request-facts.js';
import type { Json } from '../request-facts.js';
import { completionPromptText, countTokens } from '../tokens.js';
import { chatErrorFrames } from '../wire/chat.js';
import { completionJson, completionStreamSteps } from '../wire/completions.js';
import { generate, generationDelay, respondJson, respondStream } from './respond.js';

/** vLLM's CompletionRequest default. */
const DEFAULT_COMPLETION_MAX_TOKENS = 16;

/** Prompt tokens: token-id prompts count their ids; text prompts use the simulator's rule. */
export function completionPromptTokens(prompt: unknown): number {
  if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((p) => typeof p === 'number')) return prompt.length;
  if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((p) => Array.isArray(p))) {
    return prompt.reduce((n: number, p: unknown[]) => n + p.length, 0);
  }
  return countTokens(completionPromptText(prompt));
}

export function handleCompletions(x: Exchange, body: Json): void {
  const o = x.sim.options;
  const prompt = body.prompt;
  if (prompt === undefined || prompt === null) throw new SimHttpError(400, 'prompt: Field required', 'prompt', 'Bad Request');
  const stream = isStream(body);
  const usage = streamUsage(body, stream, o.forceIncludeUsage);
  const requested = maxTokensOf(body, ['max_tokens']);
  const n = choicesField(body);
  const model = checkModel(body, o);
  const promptTokens = completionPromptTokens(prompt);
  const maxTokens = requested ?? DEFAULT_COMPLETION_MAX_TOKENS;
  checkContext(promptTokens, maxTokens, o.maxModelLen);
  const choices = checkChoices(n);
  const promptText = completionPromptText(prompt);
  const { plan, others, ids, hexLen, cachedTokens } = generate(x, body, { promptText, promptTokens, maxTokens, reasoning: false, tools: [], toolChoice: 'none', choices });
  const rid = requestIdHeader(x.req.headers);
  const render = { id: `cmpl-${rid ?? ids.hex(hexLen)}`, created: ids.created, model, plan, others, cachedTokens };
  if (!stream) {
    respondJson(x, completionJson(render), generationDelay(x, Math.max(plan.completionTokens, ...others.map((p) => p.completionTokens))));
    return;
  }
  respondStream(x, { steps: completionStreamSteps(render, usage), errorFrames: chatErrorFrames });
}
