import { describe, expect, it } from 'vitest';
import { proxyRequest, shapingConfig } from '../../../test/helpers/shaping.js';
import { SHAPERS, effectHeaders, shape } from '../pipeline.js';
import { aliasModel } from './alias-model.js';
import { capMaxTokens } from './cap-max-tokens.js';
import { requestStreamUsage } from './request-stream-usage.js';
import { injectSystemPrompt } from './system-prompt.js';
import { thinkingMode } from './thinking-mode.js';

// The shaping step of the request's life (ARCHITECTURE.md): alias → thinking → system prompt → cap max_tokens →
// request stream usage. Changing the order means changing this test and ARCHITECTURE.md together.
describe('SHAPERS order', () => {
  it('is alias → thinking → system-prompt → cap-max-tokens → request-stream-usage', () => {
    expect(SHAPERS).toEqual([aliasModel, thinkingMode, injectSystemPrompt, capMaxTokens, requestStreamUsage]);
  });

  it('alias before thinking: the suffix still switches thinking off after the model is rewritten', () => {
    const req = proxyRequest('chat', { model: 'DeepSeek-V4-Pro-nonthinking', messages: [{ role: 'user', content: 'hi' }] });
    const out = shape(req, shapingConfig({ aliasModel: 'DeepSeek-V4-Pro', profile: 'deepseek-v4' }));
    expect(out.req.body.model).toBe('DeepSeek-V4-Pro');
    expect(out.req.body.chat_template_kwargs).toEqual({ thinking: false, enable_thinking: false });
    expect(out.effects.map((e) => e.kind)).toEqual(['model-aliased', 'thinking-mode']);
  });

  it('capping uses the client payload (payloadBytes), not the injected system prompt', () => {
    const req = proxyRequest('messages', { max_tokens: 4000, messages: [] }, { payloadBytes: 3 * (4096 - 512 - 4000) });
    const cfg = shapingConfig({ stripHan: true, hanSystemPrompt: 'x'.repeat(3000), maxContextTokens: 4096 });
    const out = shape(req, cfg);
    expect(out.req.body.system).toBe('x'.repeat(3000));
    expect(out.req.body.max_tokens).toBe(4000);
  });

  it('a request no shaper changes comes back as the same object (never re-serialised)', () => {
    const req = proxyRequest('chat', { model: 'DeepSeek-V4-Pro', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    const out = shape(req, shapingConfig({ aliasModel: 'DeepSeek-V4-Pro', profile: 'deepseek-v4' }));
    expect(out.req).toBe(req);
    expect(out.effects).toEqual([]);
  });

  it('all five apply in one fold; one capped header even when the thinking budget is clamped too', () => {
    const req = proxyRequest(
      'chat',
      { model: 'claude-opus-4-1', stream: true, max_tokens: 32_000, thinking: { type: 'enabled', budget_tokens: 31_999 }, output_config: { effort: 'max' }, messages: [{ role: 'user', content: 'hi' }] },
      { stream: true },
    );
    const out = shape(req, shapingConfig({ aliasModel: 'DeepSeek-V4-Pro', profile: 'deepseek-v4', stripHan: true }));
    expect(out.req.body).toEqual({
      model: 'DeepSeek-V4-Pro',
      stream: true,
      max_tokens: 16_384,
      thinking: { type: 'enabled', budget_tokens: 16_383 },
      output_config: { effort: 'max' },
      messages: [{ role: 'system', content: 'THINK-MAX-PREFIX\n\nHAN-PROMPT' }, { role: 'user', content: 'hi' }],
      chat_template_kwargs: { thinking: true, enable_thinking: true, reasoning_effort: 'max' },
      stream_options: { include_usage: true },
    });
    expect(effectHeaders(out.effects)).toEqual(['x-worv-max-tokens-capped', '32000->16384']);
  });

  it('a rejected effect stops the fold with 400', () => {
    const req = proxyRequest('messages', { max_tokens: 100, messages: [] }, { payloadBytes: 700_000 });
    expect(() => shape(req, shapingConfig())).toThrow(/^prompt is too long: 233333 tokens > 202239 maximum$/);
  });
});
