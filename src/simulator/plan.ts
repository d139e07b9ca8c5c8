// Decides what the simulated model "generates" for one request, independent of the wire
// format: reasoning pieces, content pieces or tool calls, the finish reason and the usage.

import { createRng, deriveSeed } from './prng.js';
import type { IdSource } from './ids.js';
import { generatePieces } from './text-gen.js';
import { argumentFragments, generateArguments } from './tool-args.js';

/** A tool the request offers, whatever the dialect. */
export interface ToolSpec {
  readonly name: string;
  readonly parameters: unknown;
}

/** `auto`, `none`, `required`, or one named tool. */
export type ToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

/** One generated tool call. */
export interface PlannedToolCall {
  readonly id: string;
  readonly name: string;
  readonly args: Record<string, unknown>;
  /** The argument text in streamed fragments (one token each). */
  readonly fragments: readonly string[];
  /** The full argument text. */
  readonly text: string;
}

/** One token of output, in emission order. */
export type Piece =
  | { readonly kind: 'reasoning'; readonly text: string }
  | { readonly kind: 'content'; readonly text: string }
  | { readonly kind: 'tool'; readonly call: number; readonly text: string; readonly first: boolean };

export type FinishReason = 'stop' | 'length' | 'tool_calls';

/** Everything a renderer needs. */
export interface Plan {
  readonly promptTokens: number;
  readonly reasoning: string;
  readonly content: string;
  readonly toolCalls: readonly PlannedToolCall[];
  readonly pieces: readonly Piece[];
  readonly finish: FinishReason;
  readonly completionTokens: number;
  readonly reasoningTokens: number;
}

export interface PlanInput {
  readonly promptTokens: number;
  /** The request's output cap (undefined = no cap). */
  readonly maxTokens: number | undefined;
  readonly reasoning: boolean;
  readonly reasoningTokens: number;
  readonly tokens: number;
  readonly tools: readonly ToolSpec[];
  readonly toolChoice: ToolChoice;
  /** Tool calls per answer when a call is asked for. */
  readonly toolCalls: number;
  /**
   * The request asked for a call beyond `tool_choice` (the `x-sim-tool-calls` header or the
   * `[sim:tool]` marker). With `tool_choice` auto and no ask, the answer is text, so an agent
   * that loops until the model stops calling tools terminates.
   */
  readonly toolsAsked?: boolean;
  readonly hanRatio: number;
  /** Text seed (the request's seed, or a fixed default). */
  readonly seed: number;
  readonly ids: IdSource;
  /** Tool-call id: `chatcmpl-tool-<hex>` by default. */
  readonly toolCallId: (ids: IdSource) => string;
}

/** Seed used for the text when the request has none. */
export const DEFAULT_TEXT_SEED = 0x5eed;

function plannedCalls(input: PlanInput): PlannedToolCall[] {
  const { tools, toolChoice } = input;
  const asked = toolChoice === 'required' || typeof toolChoice === 'object' || (toolChoice === 'auto' && input.toolsAsked === true);
  if (tools.length === 0 || !asked || input.toolCalls === 0) return [];
  const named = typeof toolChoice === 'object' ? tools.find((t) => t.name === toolChoice.name) : undefined;
  const rng = createRng(deriveSeed(input.seed, 4));
  const calls: PlannedToolCall[] = [];
  for (let i = 0; i < input.toolCalls; i++) {
    const tool = named ?? tools[i % tools.length];
    if (tool === undefined) break;
    const args = generateArguments(tool.parameters, rng, input.hanRatio);
    const fragments = argumentFragments(args);
    calls.push({ id: input.toolCallId(input.ids), name: tool.name, args, fragments, text: fragments.join('') });
  }
  return calls;
}

/** Builds the plan; truncation by `maxTokens` gives finish `length` (reasoning first, then text). */
export function buildPlan(input: PlanInput): Plan {
  let budget = input.maxTokens ?? Number.POSITIVE_INFINITY;
  const wantReasoning = input.reasoning ? input.reasoningTokens : 0;
  let calls = plannedCalls(input);
  const wantContent = calls.length > 0 ? 0 : input.tokens;
  const reasoning = generatePieces(createRng(deriveSeed(input.seed, 2)), Math.min(wantReasoning, budget), input.hanRatio);
  budget -= reasoning.length;
  const content = generatePieces(createRng(deriveSeed(input.seed, 3)), Math.min(wantContent, budget), input.hanRatio);
  budget -= content.length;
  let truncated = wantReasoning + wantContent > reasoning.length + content.length;
  const toolTokens = calls.reduce((n, c) => n + c.fragments.length, 0);
  if (calls.length > 0 && (truncated || toolTokens > budget)) {
    calls = [];
    truncated = true;
  }
  const pieces: Piece[] = [];
  for (const text of reasoning) pieces.push({ kind: 'reasoning', text });
  for (const text of content) pieces.push({ kind: 'content', text });
  calls.forEach((c, call) => c.fragments.forEach((text, i) => pieces.push({ kind: 'tool', call, text, first: i === 0 })));
  const named = typeof input.toolChoice === 'object';
  return {
    promptTokens: input.promptTokens,
    reasoning: reasoning.join(''),
    content: content.join(''),
    toolCalls: calls,
    pieces,
    finish: truncated ? 'length' : calls.length > 0 && !named ? 'tool_calls' : 'stop',
    completionTokens: pieces.length,
    reasoningTokens: reasoning.length,
  };
}
