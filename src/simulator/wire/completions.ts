// Renders a plan as vLLM /v1/completions: the `text_completion` JSON body and the SSE
// chunks (no role chunk; finish on the last token; usage chunk; [DONE]).

import { SSE_DONE, formatSseData } from '../../core/sse/writer.js';
import type { Plan } from '../plan.js';
import type { StreamUsage } from '../request-facts.js';
import { choicePlans, completionTotal, usageJson } from './chat.js';

export interface CompletionRender {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  readonly plan: Plan;
  /** Prompt tokens from the prefix cache (reported when above 0). */
  readonly cachedTokens?: number | undefined;
  /** Choices 1 to n − 1 when the request asked for `n` > 1 (`plan` is choice 0). */
  readonly others?: readonly Plan[] | undefined;
}

/** The non-stream body (shape of a captured vLLM answer). */
export function completionJson(r: CompletionRender): string {
  const plans = choicePlans(r);
  const choices = plans.map((plan, index) => `{"index":${index},"text":${JSON.stringify(plan.content)},"logprobs":null,"finish_reason":${JSON.stringify(plan.finish)},"stop_reason":null,"prompt_logprobs":null}`);
  return `{"id":${JSON.stringify(r.id)},"object":"text_completion","created":${r.created},"model":${JSON.stringify(r.model)},"choices":[${choices.join(',')}],"usage":${usageJson(r.plan.promptTokens, completionTotal(plans), r.cachedTokens)}}`;
}

/** The SSE steps, one token per chunk (per choice, each step, when `n` > 1). */
export function* completionStreamSteps(r: CompletionRender, usage: StreamUsage): Generator<string[]> {
  const plans = choicePlans(r);
  const head = `{"id":${JSON.stringify(r.id)},"object":"text_completion","created":${r.created},"model":${JSON.stringify(r.model)},"choices":[`;
  const P = r.plan.promptTokens;
  const texts = plans.map((plan) => (plan.pieces.length === 0 ? [''] : plan.pieces.map((p) => p.text)));
  const steps = Math.max(...texts.map((t) => t.length));
  for (let k = 0; k < steps; k++) {
    const step: string[] = [];
    plans.forEach((plan, index) => {
      const own = texts[index] as string[];
      if (k >= own.length) return;
      const finish = k === own.length - 1 ? JSON.stringify(plan.finish) : 'null';
      const tail = usage.continuous ? `],"usage":${usageJson(P, Math.min(k + 1, plan.completionTokens))}}` : ']}';
      step.push(formatSseData(`${head}{"index":${index},"text":${JSON.stringify(own[k])},"logprobs":null,"finish_reason":${finish},"stop_reason":null}${tail}`));
    });
    if (k === steps - 1) {
      if (usage.include) step.push(formatSseData(`${head}],"usage":${usageJson(P, completionTotal(plans), r.cachedTokens)}}`));
      step.push(SSE_DONE);
    }
    yield step;
  }
}
