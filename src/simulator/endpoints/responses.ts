// POST /v1/responses: input (string or items) and instructions in, a response object or the
// named-event stream out. Reasoning follows chat's toggles plus `reasoning.effort: "none"`.

import { SimHttpError } from '../errors.js';
import type { Exchange } from '../exchange.js';
import type { ToolChoice, ToolSpec } from '../plan.js';
import { checkContext, checkModel, defaultCap, isRecord, isStream, maxTokensOf, reasoningEnabled, requestIdHeader } from '../request-facts.js';
import type { Json } from '../request-facts.js';
import { countTokens, responsesPromptText } from '../tokens.js';
import { responseObject, responsesErrorFrames, responsesStreamSteps } from '../wire/responses.js';
import { generate, generationDelay, respondJson, respondStream } from './respond.js';

/** Prompt tokens of a Responses body. */
export function responsesPromptTokens(body: Json): number {
  return countTokens(responsesPromptText(body));
}

/** Function tools, flat (`{type:"function", name, parameters}`) or nested under `function`. */
function tools(body: Json): ToolSpec[] {
  if (!Array.isArray(body.tools)) return [];
  const out: ToolSpec[] = [];
  for (const t of body.tools) {
    if (!isRecord(t)) continue;
    const f = isRecord(t.function) ? t.function : t;
    if (typeof f.name === 'string') out.push({ name: f.name, parameters: f.parameters });
  }
  return out;
}

function toolChoice(body: Json): ToolChoice {
  const c = body.tool_choice;
  if (c === 'none' || c === 'required') return c;
  if (isRecord(c) && typeof c.name === 'string') return { name: c.name };
  return 'auto';
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' ? v : fallback;
}

export function handleResponses(x: Exchange, body: Json): void {
  const o = x.sim.options;
  if (typeof body.input !== 'string' && !Array.isArray(body.input)) throw new SimHttpError(400, 'input: Field required', 'input', 'Bad Request');
  const requested = maxTokensOf(body, ['max_output_tokens']);
  const model = checkModel(body, o);
  const promptText = responsesPromptText(body);
  const promptTokens = countTokens(promptText);
  checkContext(promptTokens, requested, o.maxModelLen);
  const maxTokens = requested ?? defaultCap(promptTokens, o.maxModelLen);
  const effortNone = isRecord(body.reasoning) && body.reasoning.effort === 'none';
  const { plan, ids, hexLen, cachedTokens } = generate(x, body, {
    promptText,
    promptTokens,
    maxTokens,
    reasoning: !effortNone && reasoningEnabled(body, x.controls.reasoning),
    tools: tools(body),
    toolChoice: toolChoice(body),
    toolIdPrefix: 'call_',
  });
  const rid = requestIdHeader(x.req.headers);
  const render = {
    id: `resp_${rid ?? ids.hex(hexLen)}`,
    created: ids.created,
    model,
    plan,
    cachedTokens: cachedTokens ?? 0,
    reasoningId: `rs_${ids.hex(hexLen)}`,
    messageId: `msg_${ids.hex(hexLen)}`,
    callItemIds: plan.toolCalls.map(() => `fc_${ids.hex(hexLen)}`),
    echo: {
      instructions: typeof body.instructions === 'string' ? body.instructions : null,
      maxOutputTokens: maxTokens,
      temperature: num(body.temperature, 1),
      topP: num(body.top_p, 1),
      toolChoice: body.tool_choice ?? 'auto',
      tools: Array.isArray(body.tools) ? body.tools : [],
      parallelToolCalls: body.parallel_tool_calls !== false,
    },
  };
  if (!isStream(body)) {
    respondJson(x, JSON.stringify(responseObject(render, true)), generationDelay(x, plan.completionTokens));
    return;
  }
  const seq = { n: 0 };
  respondStream(x, { steps: responsesStreamSteps(render, seq), errorFrames: (m) => responsesErrorFrames(seq, m) });
}
