// POST /v1/messages and /v1/messages/count_tokens: vLLM's Anthropic front end. Thinking is
// driven by chat_template_kwargs (the Anthropic `thinking` field is ignored, as in vLLM).

import { anthropicErrorBody } from '../errors.js';
import { SimHttpError } from '../errors.js';
import type { Exchange } from '../exchange.js';
import type { ToolChoice, ToolSpec } from '../plan.js';
import { checkContext, checkModel, isRecord, isStream, reasoningEnabled, requestIdHeader } from '../request-facts.js';
import type { Json } from '../request-facts.js';
import { anthropicPromptText, countTokens } from '../tokens.js';
import { messagesErrorFrames, messagesJson, messagesStreamSteps } from '../wire/messages.js';
import { generate, generationDelay, respondJson, respondStream } from './respond.js';

/** Prompt tokens of a messages body: what count_tokens answers and usage reports. */
export function messagesPromptTokens(body: Json): number {
  return countTokens(anthropicPromptText(body));
}

function tools(body: Json): ToolSpec[] {
  if (!Array.isArray(body.tools)) return [];
  return body.tools.filter(isRecord).filter((t) => typeof t.name === 'string').map((t) => ({ name: t.name as string, parameters: t.input_schema }));
}

/** auto→auto, any→required, none→none, tool+name→named. */
function toolChoice(body: Json): ToolChoice {
  const c = body.tool_choice;
  if (!isRecord(c)) return 'auto';
  if (c.type === 'any') return 'required';
  if (c.type === 'none') return 'none';
  if (c.type === 'tool' && typeof c.name === 'string') return { name: c.name };
  return 'auto';
}

/** Pydantic-level checks; their errors come back in the OpenAI envelope even here (vLLM issue #57997). */
function validate(body: Json, needMaxTokens: boolean): void {
  if (typeof body.model !== 'string' || body.model === '') throw new SimHttpError(400, 'model: Field required', 'model', 'Bad Request', true);
  if (!Array.isArray(body.messages)) throw new SimHttpError(400, 'messages: Field required', 'messages', 'Bad Request', true);
  if (!needMaxTokens) return;
  const mt = body.max_tokens;
  if (typeof mt !== 'number' || !Number.isInteger(mt)) throw new SimHttpError(400, 'max_tokens: Field required', 'max_tokens', 'Bad Request', true);
  if (mt <= 0) throw new SimHttpError(400, 'max_tokens: Value error, max_tokens must be positive', 'max_tokens', 'Bad Request', true);
}

export function handleMessages(x: Exchange, body: Json): void {
  const o = x.sim.options;
  validate(body, true);
  const model = checkModel(body, o);
  const promptText = anthropicPromptText(body);
  const promptTokens = countTokens(promptText);
  const maxTokens = body.max_tokens as number;
  checkContext(promptTokens, maxTokens, o.maxModelLen);
  const { plan, ids, hexLen, cachedTokens } = generate(x, body, {
    promptText,
    promptTokens,
    maxTokens,
    reasoning: reasoningEnabled({ chat_template_kwargs: body.chat_template_kwargs }, x.controls.reasoning),
    tools: tools(body),
    toolChoice: toolChoice(body),
  });
  const rid = requestIdHeader(x.req.headers);
  const render = { id: `chatcmpl-${rid ?? ids.hex(hexLen)}`, model, plan, ids, cachedTokens };
  if (!isStream(body)) {
    respondJson(x, messagesJson(render), generationDelay(x, plan.completionTokens), (m) => anthropicErrorBody('InternalServerError', m));
    return;
  }
  respondStream(x, { steps: messagesStreamSteps(render), errorFrames: messagesErrorFrames });
}

export function handleCountTokens(x: Exchange, body: Json): void {
  validate(body, false);
  checkModel(body, x.sim.options);
  const n = messagesPromptTokens(body);
  respondJson(x, JSON.stringify({ input_tokens: n, context_management: { original_input_tokens: n } }), 0, (m) => anthropicErrorBody('InternalServerError', m));
}
