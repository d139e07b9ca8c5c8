// How an endpoint answers: a JSON body after the simulated generation time, or an SSE
// stream; plus the plan and ids every generating endpoint starts from.

import { emitStream } from '../emitter.js';
import { openaiErrorBody } from '../errors.js';
import type { StreamSource } from '../emitter.js';
import type { Exchange } from '../exchange.js';
import { createIds, idHexLength } from '../ids.js';
import type { IdSource } from '../ids.js';
import { deriveSeed, hashBytes } from '../prng.js';
import { DEFAULT_TEXT_SEED, buildPlan } from '../plan.js';
import type { Plan, ToolChoice, ToolSpec } from '../plan.js';
import { requestSeed } from '../request-facts.js';
import { asksForToolCall } from '../tool-ask.js';
import type { Json } from '../request-facts.js';

/** What a generating endpoint decided from its body. */
export interface GenerationInput {
  /** The prompt's text (what the prefix cache hashes). */
  readonly promptText: string;
  readonly promptTokens: number;
  readonly maxTokens: number | undefined;
  readonly reasoning: boolean;
  readonly tools: readonly ToolSpec[];
  readonly toolChoice: ToolChoice;
  /** Tool-call id prefix: `chatcmpl-tool-` (chat, messages) or `call_` style (responses). */
  readonly toolIdPrefix?: string;
  /** Choices to generate (`n`; chat and completions), each with its own text; default 1. */
  readonly choices?: number;
}

/** What a generating endpoint renders from. */
export interface Generated {
  /** The first choice's plan. */
  readonly plan: Plan;
  /** The plans of choices 1 to n − 1 (empty for one choice). */
  readonly others: readonly Plan[];
  readonly ids: IdSource;
  readonly hexLen: number;
  /** Prompt tokens served from the prefix cache, when usage reports them (`promptTokensDetails`). */
  readonly cachedTokens: number | undefined;
}

/** The plan plus the id source (seeded when the request or scenario has a seed). */
export function generate(x: Exchange, body: Json, g: GenerationInput): Generated {
  const o = x.sim.options;
  const c = x.controls;
  const seed = requestSeed(c.seed, body, o);
  const ids = createIds(seed, Date.now(), seed === undefined ? 0 : hashBytes(x.record.rawBody));
  const hexLen = idHexLength(c.era);
  const prefix = g.toolIdPrefix ?? 'chatcmpl-tool-';
  const textSeed = seed ?? DEFAULT_TEXT_SEED;
  const planFor = (choice: number): Plan => buildPlan({
    promptTokens: g.promptTokens,
    maxTokens: g.maxTokens,
    reasoning: g.reasoning,
    reasoningTokens: c.reasoningTokens,
    tokens: c.tokens,
    tools: g.tools,
    toolChoice: g.toolChoice,
    toolCalls: c.toolCalls,
    toolsAsked: c.toolCallsAsked || asksForToolCall(body),
    hanRatio: c.hanRatio,
    seed: choice === 0 ? textSeed : deriveSeed(textSeed, choice),
    ids,
    toolCallId: (s) => prefix + s.hex(hexLen),
  });
  const plan = planFor(0);
  const others = Array.from({ length: (g.choices ?? 1) - 1 }, (_, i) => planFor(i + 1));
  const completionTokens = others.reduce((n, p) => n + p.completionTokens, plan.completionTokens);
  // An adapter's blocks are its own (checkModel let only the model or an adapter through).
  const lora = typeof body.model === 'string' && body.model !== o.model ? body.model : '';
  const cached = x.sim.engine.cache.lookup(g.promptText, g.promptTokens, lora).cachedTokens;
  x.prefillMs = (x.sim.options.prefillMsPerKTokens * (g.promptTokens - cached)) / 1000;
  x.sim.engine.holdKv(x.record.id, plan.promptTokens + completionTokens);
  x.plan(completionTokens);
  x.sim.metrics.promptTokens += plan.promptTokens;
  // The engine's finished_reason: a tool call is an ordinary stop.
  const reason = plan.finish === 'length' ? 'length' : 'stop';
  x.sim.metrics.success[reason] = (x.sim.metrics.success[reason] ?? 0) + 1;
  return { plan, others, ids, hexLen, cachedTokens: x.sim.options.promptTokensDetails ? cached : undefined };
}

function internalError(message: string): string {
  return openaiErrorBody(500, message);
}

/** Simulated generation time of a JSON answer: TTFT + ITL × (tokens − 1); choices generate side by side, so pass the longest. */
export function generationDelay(x: Exchange, tokens: number): number {
  return x.ttftMs + x.controls.itlMs * Math.max(0, tokens - 1);
}

/**
 * Sends `body` after `delay` ms. A hold pauses before it; mid-stream faults act here too:
 * stall waits, reset drops the connection, error answers 500 (`errorBody` shapes it).
 */
export function respondJson(x: Exchange, body: string, delay: number, errorBody: (message: string) => string = internalError): void {
  const c = x.controls;
  const afterHold = (): void => {
    if (!x.sim.engine.whenProgressing(() => {
      if (!x.dead) afterHold();
    })) return;
    x.generatedTokens(Infinity);
    const f = x.fault;
    if (f?.kind === 'stall') {
      if (f.ms !== undefined) x.after(f.ms, () => x.send(200, body));
      return;
    }
    if (f?.kind === 'reset') {
      x.reset();
      return;
    }
    if (f?.kind === 'error') {
      x.send(500, errorBody(f.message ?? 'Simulated error during generation'));
      return;
    }
    x.send(200, body);
  };
  const afterDelay = (): void => {
    const hold = c.hold;
    if (hold === undefined) {
      afterHold();
      return;
    }
    void x.sim.holds.reach({ tag: hold.tag, requestId: x.record.id, request: x.record, chunks: 0 }).then(() => {
      if (!x.dead) afterHold();
    });
  };
  if (delay > 0) x.after(delay, afterDelay);
  else afterDelay();
}

/** Starts an SSE answer. */
export function respondStream(x: Exchange, source: StreamSource): void {
  emitStream(x, source);
}
