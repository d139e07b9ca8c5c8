import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../core/json.js';
import type { Endpoint, ProxyRequest, ShapingConfig } from '../context.js';
import { factsOf } from '../parse.js';
import { requestStreamUsage } from './request-stream-usage.js';

const cfg = {} as ShapingConfig; // the shaper reads no configuration

function req(endpoint: Endpoint, body: JsonObject): ProxyRequest {
  return { facts: factsOf(endpoint, body), body };
}

describe('requestStreamUsage', () => {
  // Each row: endpoint, body, expected stream_options sent (undefined = request unchanged).
  const rows: ReadonlyArray<[string, Endpoint, JsonObject, JsonObject | undefined]> = [
    ['chat stream without stream_options → ask for usage', 'chat', { stream: true }, { include_usage: true }],
    ['completions stream → ask for usage', 'completions', { stream: true, prompt: 'x' }, { include_usage: true }],
    ['client asked explicitly → unchanged', 'chat', { stream: true, stream_options: { include_usage: true } }, undefined],
    ['vLLM default: {} already means usage → unchanged', 'chat', { stream: true, stream_options: {} }, undefined],
    ['continuous stats without include_usage → unchanged (vLLM default true)', 'chat', { stream: true, stream_options: { continuous_usage_stats: true } }, undefined],
    ['include_usage null (read as false) → forced on', 'chat', { stream: true, stream_options: { include_usage: null } }, { include_usage: true }],
    ['include_usage false → forced on, other options kept', 'chat', { stream: true, stream_options: { include_usage: false, continuous_usage_stats: false } }, { include_usage: true, continuous_usage_stats: false }],
    ['include_usage false, continuous stats on → forced on, continuous stats off (vLLM sends this client no usage)', 'completions', { stream: true, stream_options: { include_usage: false, continuous_usage_stats: true, x: 1 } }, { include_usage: true, continuous_usage_stats: false, x: 1 }],
    ['include_usage false, continuous stats "true" (vLLM coerces it) → off too', 'chat', { stream: true, stream_options: { include_usage: false, continuous_usage_stats: 'true' } }, { include_usage: true, continuous_usage_stats: false }],
    ['not streaming → unchanged', 'chat', { stream: false }, undefined],
    ['stream absent → unchanged', 'chat', {}, undefined],
    ['messages stream (usage is in message_delta) → unchanged', 'messages', { stream: true, messages: [] }, undefined],
    ['responses stream (usage is in response.completed) → unchanged', 'responses', { stream: true }, undefined],
  ];

  for (const [name, endpoint, body, expected] of rows) {
    it(name, () => {
      const input = req(endpoint, body);
      const out = requestStreamUsage(input, cfg);
      if (expected === undefined) {
        expect(out.req).toBe(input);
        expect(out.effects).toEqual([]);
      } else {
        expect(out.req.body.stream_options).toEqual(expected);
        expect(out.req.facts).toBe(input.facts);
        expect(out.effects).toEqual([{ kind: 'stream-usage-requested' }]);
        expect(input.body).toEqual(body); // the client's body is not mutated
      }
    });
  }
});
