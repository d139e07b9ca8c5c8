import { describe, expect, it } from 'vitest';
import { proxyRequest, shapingConfig } from '../../../test/helpers/shaping.js';
import type { JsonObject } from '../../core/json.js';
import type { Endpoint, RequestFacts, ShapeEffect, ShapingConfig } from '../context.js';
import { capMaxTokens, maxTokensCappedHeader } from './cap-max-tokens.js';

interface Row {
  readonly what: string;
  readonly endpoint?: Endpoint;
  readonly cfg?: Partial<ShapingConfig>;
  readonly facts?: Partial<RequestFacts>;
  readonly body: JsonObject;
  /** Changed fields of the forwarded body; undefined = the same request object. */
  readonly want?: JsonObject;
  readonly effects?: readonly ShapeEffect[];
  readonly header?: string;
}

const capped = (field: string, requested: number, sent: number): ShapeEffect => ({ kind: 'max-tokens-capped', field, requested, sent });
const rejected = (message: string, code?: string): ShapeEffect => (code === undefined ? { kind: 'rejected', message } : { kind: 'rejected', message, code });

// Defaults: MAX_CONTEXT_TOKENS 202752, MAX_OUTPUT_TOKENS 16384 (the config defaults), payloadBytes 300.
const rows: readonly Row[] = [
  { what: 'client below the cap is kept', body: { max_tokens: 4096 } },
  { what: 'exactly MAX_OUTPUT_TOKENS is kept', body: { max_tokens: 16_384 } },
  { what: 'above MAX_OUTPUT_TOKENS → capped to it', body: { max_tokens: 32_000 }, want: { max_tokens: 16_384 }, effects: [capped('max_tokens', 32_000, 16_384)], header: '32000->16384' },
  { what: 'tiny context: available = 4096 − 9000//3 − 512 = 584', cfg: { maxContextTokens: 4096 }, facts: { payloadBytes: 9000 }, body: { max_tokens: 1000 }, want: { max_tokens: 584 }, effects: [capped('max_tokens', 1000, 584)], header: '1000->584' },
  { what: 'floor division: 9002 chars estimate as 3000 tokens', cfg: { maxContextTokens: 4096 }, facts: { payloadBytes: 9002 }, body: { max_tokens: 1000 }, want: { max_tokens: 584 }, effects: [capped('max_tokens', 1000, 584)], header: '1000->584' },
  { what: 'available exactly 1', cfg: { maxContextTokens: 1513 }, facts: { payloadBytes: 3000 }, body: { max_tokens: 10 }, want: { max_tokens: 1 }, effects: [capped('max_tokens', 10, 1)], header: '10->1' },
  { what: 'max_tokens 0 is kept, distinct from missing', body: { max_tokens: 0 } },
  { what: 'missing max_tokens stays missing (vLLM picks its default)', body: { messages: [] } },
  { what: 'null max_tokens is treated as missing', body: { max_tokens: null } },
  { what: 'missing stays missing even when the input overflows (vLLM enforces the exact limit)', facts: { payloadBytes: 700_000 }, body: {} },
  { what: 'non-integer max_tokens → 400 naming the field', body: { max_tokens: 1.5 }, effects: [rejected('max_tokens must be a non-negative integer')] },
  { what: 'string max_tokens → 400', body: { max_tokens: '100' }, effects: [rejected('max_tokens must be a non-negative integer')] },
  { what: 'negative max_tokens → 400', body: { max_tokens: -1 }, effects: [rejected('max_tokens must be a non-negative integer')] },
  { what: 'boolean max_tokens → 400', body: { max_tokens: true }, effects: [rejected('max_tokens must be a non-negative integer')] },
  { what: 'chat: bad max_completion_tokens is named', endpoint: 'chat', body: { max_completion_tokens: {} }, effects: [rejected('max_completion_tokens must be a non-negative integer')] },
  {
    what: 'available ≤ 0 on messages: 400 in Anthropic\'s words (the message Claude Code looks for) instead of a negative budget',
    facts: { payloadBytes: 606_720 },
    body: { max_tokens: 100 },
    effects: [rejected('prompt is too long: 202240 tokens > 202239 maximum')],
  },
  {
    what: 'available ≤ 0 on chat: OpenAI\'s words and code, the estimate said to be one',
    endpoint: 'chat',
    facts: { payloadBytes: 606_720 },
    body: { max_completion_tokens: 100 },
    effects: [
      rejected(
        "This model's maximum context length is 202752 tokens. The input is about 202240 tokens (estimated at a token per three bytes of text); with 512 tokens reserved, that leaves no room for max_completion_tokens. Shorten the input.",
        'context_length_exceeded',
      ),
    ],
  },
  {
    what: 'available ≤ 0 by the backend\'s count: said to be one',
    endpoint: 'responses',
    cfg: { maxContextTokens: 10_000 },
    facts: { payloadBytes: 3, estimatedInputTokens: 9488 },
    body: { max_output_tokens: 1 },
    effects: [
      rejected(
        "This model's maximum context length is 10000 tokens. The input is about 9488 tokens (counted by the backend); with 512 tokens reserved, that leaves no room for max_output_tokens. Shorten the input.",
        'context_length_exceeded',
      ),
    ],
  },
  { what: 'one token of room is room', endpoint: 'responses', cfg: { maxContextTokens: 10_000 }, facts: { payloadBytes: 3, estimatedInputTokens: 9487 }, body: { max_output_tokens: 5 }, want: { max_output_tokens: 1 }, effects: [capped('max_output_tokens', 5, 1)], header: '5->1' },
  { what: 'the /tokenize estimate replaces len//3 when present', cfg: { maxContextTokens: 10_000 }, facts: { payloadBytes: 3, estimatedInputTokens: 9000 }, body: { max_tokens: 1000 }, want: { max_tokens: 488 }, effects: [capped('max_tokens', 1000, 488)], header: '1000->488' },
  { what: 'chat: max_completion_tokens capped', endpoint: 'chat', body: { max_completion_tokens: 20_000 }, want: { max_completion_tokens: 16_384 }, effects: [capped('max_completion_tokens', 20_000, 16_384)], header: '20000->16384' },
  {
    what: 'chat with both fields: both capped, header from max_completion_tokens',
    endpoint: 'chat',
    body: { max_tokens: 30_000, max_completion_tokens: 20_000 },
    want: { max_tokens: 16_384, max_completion_tokens: 16_384 },
    effects: [capped('max_completion_tokens', 20_000, 16_384), capped('max_tokens', 30_000, 16_384)],
    header: '20000->16384',
  },
  { what: 'completions: max_tokens', endpoint: 'completions', body: { max_tokens: 100_000 }, want: { max_tokens: 16_384 }, effects: [capped('max_tokens', 100_000, 16_384)], header: '100000->16384' },
  { what: 'responses: max_output_tokens', endpoint: 'responses', body: { max_output_tokens: 100_000 }, want: { max_output_tokens: 16_384 }, effects: [capped('max_output_tokens', 100_000, 16_384)], header: '100000->16384' },
  { what: 'responses: max_tokens is not its field', endpoint: 'responses', body: { max_tokens: 'x' } },
  {
    what: 'Claude Code 32000 / budget 31999: budget clamped below the new cap',
    endpoint: 'messages',
    body: { max_tokens: 32_000, thinking: { type: 'enabled', budget_tokens: 31_999 } },
    want: { max_tokens: 16_384, thinking: { type: 'enabled', budget_tokens: 16_383 } },
    effects: [capped('max_tokens', 32_000, 16_384), capped('thinking.budget_tokens', 31_999, 16_383)],
    header: '32000->16384',
  },
  { what: 'a budget already below the new cap is kept', endpoint: 'messages', body: { max_tokens: 32_000, thinking: { type: 'enabled', budget_tokens: 2048 } }, want: { max_tokens: 16_384 }, effects: [capped('max_tokens', 32_000, 16_384)], header: '32000->16384' },
  { what: 'no cap → budget untouched even if ≥ max_tokens', endpoint: 'messages', body: { max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 5000 } } },
  { what: 'chat with a Claude-style budget is clamped too', endpoint: 'chat', body: { max_tokens: 32_000, thinking: { type: 'enabled', budget_tokens: 31_999 } }, want: { max_tokens: 16_384, thinking: { type: 'enabled', budget_tokens: 16_383 } }, effects: [capped('max_tokens', 32_000, 16_384), capped('thinking.budget_tokens', 31_999, 16_383)], header: '32000->16384' },
  { what: 'unshaped endpoint: untouched', endpoint: 'embeddings', body: { max_tokens: 'x' } },
];

describe('capMaxTokens', () => {
  for (const r of rows) {
    it(r.what, () => {
      const req = proxyRequest(r.endpoint ?? 'messages', r.body, r.facts);
      const out = capMaxTokens(req, shapingConfig(r.cfg));
      expect(out.effects).toEqual(r.effects ?? []);
      expect(maxTokensCappedHeader(out.effects)).toBe(r.header);
      if (r.want === undefined) expect(out.req).toBe(req);
      else {
        expect(out.req.body).toEqual({ ...r.body, ...r.want });
        expect(req.body).toEqual(r.body);
      }
    });
  }

  it('copies only the top level: messages keep their identity', () => {
    const messages = [{ role: 'user', content: 'x' }];
    const req = proxyRequest('messages', { max_tokens: 99_999, messages });
    expect(capMaxTokens(req, shapingConfig()).req.body.messages).toBe(messages);
  });
});
