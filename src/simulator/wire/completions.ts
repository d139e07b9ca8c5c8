// Renders a plan as vLLM /v1/completions: the `text_completion` JSON body and the SSE
// chunks (no role chunk; finish on the last token; usage chunk; [DONE]).

import { SSE_DONE, formatSseData } from '../../core/sse/writer.js';
import type { Plan } from '../plan.js';
import type { StreamUsage } from '../request-facts.js';
import { usageJson } from './chat.js';

export interface CompletionRender {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  readonly plan: Plan;
  /** Prompt tokens from the prefix cache (reported when above 0). */
  readonly cachedTokens?: number | undefined;
}

/** The non-stream body (shape of a captured vLLM answer). */
export function completionJson(r: CompletionRender): string {
  const { plan } = r;
  return `{"id":${JSON.stringify(r.id)},"object":"text_completion","created":${r.created},"model":${JSON.stringify(r.model)},"choices":[{"index":0,"text":${JSON.stringify(plan.content)},"logprobs":null,"finish_reason":${JSON.stringify(plan.finish)},"stop_reason":null,"prompt_logprobs":null}],"usage":${usageJson(plan.promptTokens, plan.completionTokens, r.cachedTokens)}}`;
}

/** The SSE steps, one token per chunk. */
export function* completionStreamSteps(r: CompletionRender, usage: StreamUsage): Generator<string[]> {
  const { plan } = r;
  const head = `{"id":${JSON.stringify(r.id)},"object":"text_completion","created":${r.created},"model":${JSON.stringify(r.model)},"choices":[`;
  const P = plan.promptTokens;
  const texts = plan.pieces.length === 0 ? [''] : plan.pieces.map((p) => p.text);
  for (let i = 0; i < texts.length; i++) {
    const last = i === texts.length - 1;
    const finish = last ? JSON.stringify(plan.finish) : 'null';
    const tail = usage.continuous ? `],"usage":${usageJson(P, Math.min(i + 1, plan.completionTokens))}}` : ']}';
    const step = [formatSseData(`${head}{"index":0,"text":${JSON.stringify(texts[i])},"logprobs":null,"finish_reason":${finish},"stop_reason":null}${tail}`)];
    if (last) {
      if (usage.include) step.push(formatSseData(`${head}],"usage":${usageJson(P, plan.completionTokens, r.cachedTokens)}}`));
      step.push(SSE_DONE);
    }
    yield step;
  }
}
