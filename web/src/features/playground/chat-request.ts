/**
 * What the playground sends: one streaming request per turn, in the chosen dialect, with the
 * model variant expressed the way the gateway understands it (docs/thinking-modes.md):
 * the `-nonthinking` suffix, or Think Max as `reasoning_effort` / `output_config.effort`.
 */

/** The wire format the playground talks. */
export type Dialect = 'openai' | 'anthropic';

/** Thinking mode: the model's default, no thinking, or maximum effort. */
export type Variant = 'normal' | 'nonthinking' | 'max';

/** One turn of the conversation as the user saw it. */
export interface ChatTurn {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

export interface ChatRequestInput {
  readonly dialect: Dialect;
  readonly variant: Variant;
  /** The live model name as /v1/models lists it. */
  readonly model: string;
  readonly system: string;
  readonly turns: readonly ChatTurn[];
  readonly maxTokens: number;
}

/** A request ready for fetch(): path, headers and JSON body. */
export interface ChatRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

export const VARIANT_LABELS: Record<Variant, string> = {
  normal: 'Normal (thinking)',
  nonthinking: 'Non-thinking',
  max: 'Think Max',
};

export const DIALECT_LABELS: Record<Dialect, string> = {
  openai: 'OpenAI chat completions',
  anthropic: 'Anthropic messages',
};

/** The model field for a variant: a `-nonthinking` suffix is the only name change. */
export function modelForVariant(model: string, variant: Variant): string {
  if (variant !== 'nonthinking') return model;
  return /-nonthink(ing)?$/i.test(model) ? model : `${model}-nonthinking`;
}

/** The streaming request for one turn, authenticated with `apiKey`. */
export function buildChatRequest(input: ChatRequestInput, apiKey: string): ChatRequest {
  const model = modelForVariant(input.model, input.variant);
  const messages = input.turns.map((t) => ({ role: t.role, content: t.content }));
  const system = input.system.trim();
  if (input.dialect === 'openai') {
    const body: Record<string, unknown> = {
      model,
      messages: system === '' ? messages : [{ role: 'system', content: system }, ...messages],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: input.maxTokens,
    };
    if (input.variant === 'max') body.reasoning_effort = 'max';
    return {
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, accept: 'text/event-stream' },
      body,
    };
  }
  const body: Record<string, unknown> = { model, max_tokens: input.maxTokens, messages, stream: true };
  if (system !== '') body.system = system;
  if (input.variant === 'max') body.output_config = { effort: 'max' };
  return {
    path: '/v1/messages',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${apiKey}`,
      'anthropic-version': '2023-06-01',
      accept: 'text/event-stream',
    },
    body,
  };
}
