import { describe, expect, it } from 'vitest';
import { proxyRequest, shapingConfig } from '../../../test/helpers/shaping.js';
import type { ModelProfileName } from '../../core/config.js';
import type { JsonObject } from '../../core/json.js';
import type { Endpoint } from '../context.js';
import { isThinkMax, thinkingMode } from './thinking-mode.js';
import { isThinkingCapable, resolveProfile } from './thinking-profiles.js';

const LIVE = 'DeepSeek-V4-Pro';
const DS_OFF = { thinking: false, enable_thinking: false };
const DS_ON = { thinking: true, enable_thinking: true };
const DS_HIGH = { ...DS_ON, reasoning_effort: 'high' };
const DS_MAX = { ...DS_ON, reasoning_effort: 'max' };

interface Row {
  readonly seed: string;
  readonly profile: ModelProfileName;
  readonly endpoint?: Endpoint;
  /** The model as the client sent it (facts.requestedModel); the body already carries the alias result. */
  readonly asked?: string;
  readonly body: JsonObject;
  /** chat_template_kwargs sent upstream; undefined = request unchanged (same object). */
  readonly want: JsonObject | undefined;
  readonly mode?: string;
  readonly thinkMax?: boolean;
}

const rows: readonly Row[] = [
  { seed: '001:22-23 DeepSeek-V4-Pro with no signal: Think High is the model default, nothing written', profile: 'deepseek-v4', body: { model: LIVE }, want: undefined },
  { seed: '001:24-25 output_config.effort max → Think Max', profile: 'deepseek-v4', endpoint: 'messages', body: { model: LIVE, output_config: { effort: 'max' } }, want: DS_MAX, mode: 'max', thinkMax: true },
  { seed: '001:26-27 effort xhigh is a synonym for max', profile: 'deepseek-v4', endpoint: 'messages', body: { model: LIVE, output_config: { effort: 'xhigh' } }, want: DS_MAX, mode: 'max', thinkMax: true },
  { seed: '000:33-34 Claude-style output_config.effort on chat completions too', profile: 'deepseek-v4', body: { model: LIVE, output_config: { effort: 'max' } }, want: DS_MAX, mode: 'max', thinkMax: true },
  { seed: '001:28-29 DeepSeek-V4-Pro-nonthinking → non-think', profile: 'deepseek-v4', asked: 'DeepSeek-V4-Pro-nonthinking', body: { model: LIVE }, want: DS_OFF, mode: 'off' },
  { seed: '001:30-31 any -nonthink suffix → non-think', profile: 'deepseek-v4', asked: 'claude-sonnet-4-6-nonthink', body: { model: LIVE }, want: DS_OFF, mode: 'off' },
  { seed: '001:30-31 the suffix beats thinking enabled', profile: 'deepseek-v4', endpoint: 'messages', asked: 'x-nonthinking', body: { model: LIVE, thinking: { type: 'enabled', budget_tokens: 2048 } }, want: DS_OFF, mode: 'off' },
  { seed: '002:95-105 Anthropic thinking enabled + budget → thinking on', profile: 'deepseek-v4', endpoint: 'messages', body: { model: LIVE, thinking: { type: 'enabled', budget_tokens: 2048 } }, want: DS_ON, mode: 'default' },
  { seed: '001:62-63 Anthropic thinking disabled → off', profile: 'deepseek-v4', endpoint: 'messages', body: { model: LIVE, thinking: { type: 'disabled' } }, want: DS_OFF, mode: 'off' },
  { seed: '001:62-63 thinking adaptive → on', profile: 'deepseek-v4', endpoint: 'messages', body: { model: LIVE, thinking: { type: 'adaptive' } }, want: DS_ON, mode: 'default' },
  { seed: '001:62-63 thinking disabled beats effort max', profile: 'deepseek-v4', endpoint: 'messages', body: { model: LIVE, thinking: { type: 'disabled' }, output_config: { effort: 'max' } }, want: DS_OFF, mode: 'off' },
  { seed: '001:62-63 Claude-style thinking on chat completions', profile: 'deepseek-v4', body: { model: LIVE, thinking: { type: 'disabled' } }, want: DS_OFF, mode: 'off' },
  { seed: '000:33-34 OpenAI reasoning_effort high → Think High', profile: 'deepseek-v4', body: { model: LIVE, reasoning_effort: 'high' }, want: DS_HIGH, mode: 'high' },
  { seed: '000:33-34 reasoning_effort max → Think Max', profile: 'deepseek-v4', body: { model: LIVE, reasoning_effort: 'max' }, want: DS_MAX, mode: 'max', thinkMax: true },
  { seed: '000:33-34 effort low and medium map to high (template knows high|max)', profile: 'deepseek-v4', endpoint: 'messages', body: { model: LIVE, output_config: { effort: 'low' } }, want: DS_HIGH, mode: 'high' },
  { seed: '000:33-34 reasoning_effort none → off', profile: 'deepseek-v4', body: { model: LIVE, reasoning_effort: 'none' }, want: DS_OFF, mode: 'off' },
  { seed: '000:33-34 output_config.effort wins over reasoning_effort', profile: 'deepseek-v4', body: { model: LIVE, output_config: { effort: 'max' }, reasoning_effort: 'low' }, want: DS_MAX, mode: 'max', thinkMax: true },
  { seed: '000:33-34 an unknown effort word is no signal', profile: 'deepseek-v4', body: { model: LIVE, reasoning_effort: 'ultra' }, want: undefined },
  { seed: '001:32-33 client kwargs keys win: other keys kept, ours added first', profile: 'deepseek-v4', asked: 'x-nonthinking', body: { model: LIVE, chat_template_kwargs: { custom: 1 } }, want: { ...DS_OFF, custom: 1 }, mode: 'off' },
  { seed: '001:32-33 a client that sets the switch owns it: nothing to add', profile: 'deepseek-v4', asked: 'x-nonthinking', body: { model: LIVE, chat_template_kwargs: { thinking: true } }, want: undefined },
  { seed: '001:32-33 a client that sets the effort owns it: no Think Max prefix', profile: 'deepseek-v4', body: { model: LIVE, output_config: { effort: 'max' }, chat_template_kwargs: { reasoning_effort: 'high' } }, want: { ...DS_ON, reasoning_effort: 'high' }, mode: 'max', thinkMax: false },
  { seed: '001:32-33 client switch on + effort max keeps Think Max', profile: 'deepseek-v4', body: { model: LIVE, reasoning_effort: 'max', chat_template_kwargs: { thinking: true } }, want: { reasoning_effort: 'max', thinking: true }, mode: 'max', thinkMax: true },
  { seed: '001:32-33 client switch off + effort max: no prefix', profile: 'deepseek-v4', body: { model: LIVE, reasoning_effort: 'max', chat_template_kwargs: { enable_thinking: false } }, want: { reasoning_effort: 'max', enable_thinking: false }, mode: 'max', thinkMax: false },
  { seed: '001:32-33 non-object chat_template_kwargs is left to the backend', profile: 'deepseek-v4', asked: 'x-nonthinking', body: { model: LIVE, chat_template_kwargs: 'x' }, want: undefined },
  { seed: '001:41 glm-5: -nonthinking → enable_thinking false', profile: 'glm-5', asked: 'glm-5.1-fp8-nonthinking', body: { model: 'glm-5.1-fp8' }, want: { enable_thinking: false }, mode: 'off' },
  { seed: '001:41 glm-5: effort max is plain on, no prefix (no effort knob)', profile: 'glm-5', endpoint: 'messages', body: { model: 'glm-5.1-fp8', output_config: { effort: 'max' } }, want: { enable_thinking: true }, mode: 'max', thinkMax: false },
  { seed: '001:43 kimi-k2: thinking disabled → thinking false', profile: 'kimi-k2', endpoint: 'messages', body: { model: 'Kimi-K2.6', thinking: { type: 'disabled' } }, want: { thinking: false }, mode: 'off' },
  { seed: '001:43 kimi-k2: thinking enabled → thinking true', profile: 'kimi-k2', body: { model: 'Kimi-K2.6', thinking: { type: 'enabled' } }, want: { thinking: true }, mode: 'default' },
  { seed: '001:31 profile none: the suffix has nothing to write', profile: 'none', asked: 'x-nonthinking', body: { model: 'x' }, want: undefined },
  { seed: '001:62-63 messages/count_tokens gets the same kwargs as the request it counts', profile: 'deepseek-v4', endpoint: 'count_tokens', body: { model: LIVE, thinking: { type: 'disabled' } }, want: DS_OFF, mode: 'off' },
  { seed: '001:58-59 completions has no chat template: untouched', profile: 'deepseek-v4', endpoint: 'completions', asked: 'x-nonthinking', body: { model: LIVE }, want: undefined },
  { seed: '001:59 responses: the backend maps reasoning.effort itself', profile: 'deepseek-v4', endpoint: 'responses', asked: 'x-nonthinking', body: { model: LIVE }, want: undefined },
];

describe('thinkingMode shaper', () => {
  for (const r of rows) {
    it(r.seed, () => {
      const cfg = shapingConfig({ profile: r.profile, aliasModel: LIVE });
      const req = proxyRequest(r.endpoint ?? 'chat', r.body, { requestedModel: r.asked ?? (r.body.model as string) });
      const out = thinkingMode(req, cfg);
      if (r.want === undefined) {
        expect(out.req).toBe(req);
        expect(out.effects).toEqual([]);
      } else {
        expect(out.req.body).toEqual({ ...r.body, chat_template_kwargs: r.want });
        expect(Object.keys(out.req.body.chat_template_kwargs as object)).toEqual(Object.keys(r.want));
        expect(out.effects).toEqual([{ kind: 'thinking-mode', mode: r.mode, kwargs: r.want }]);
        for (const [k, v] of Object.entries(r.body)) if (k !== 'chat_template_kwargs') expect(out.req.body[k]).toBe(v);
      }
      expect(isThinkMax(req, cfg)).toBe(r.thinkMax ?? false);
    });
  }

  it('003:17 a canonical name that ends in -nonthinking is not a non-think request', () => {
    const cfg = shapingConfig({ profile: 'deepseek-v4', aliasModel: 'X-nonthinking' });
    const req = proxyRequest('chat', { model: 'X-nonthinking' });
    expect(thinkingMode(req, cfg).req).toBe(req);
  });
});

describe('resolveProfile / isThinkingCapable', () => {
  const rows: Array<[string, ModelProfileName | undefined, string | undefined, ModelProfileName]> = [
    ['PROXY_MODEL_PROFILE wins over the live name', 'kimi-k2', 'DeepSeek-V4-Pro', 'kimi-k2'],
    ['001:4 DeepSeek-V4-Pro → deepseek-v4', undefined, 'DeepSeek-V4-Pro', 'deepseek-v4'],
    ['000:6 DeepSeek-V4-Flash → deepseek-v4', undefined, 'deepseek-ai/DeepSeek-V4-Flash', 'deepseek-v4'],
    ['000:5 GLM-5.1-FP8 → glm-5', undefined, 'zai-org/GLM-5.1-FP8', 'glm-5'],
    ['001:38 glm-5.1-fp8 → glm-5', undefined, 'glm-5.1-fp8', 'glm-5'],
    ['001:41 Kimi-K2.6 → kimi-k2', undefined, 'moonshotai/Kimi-K2.6', 'kimi-k2'],
    ['other models → none', undefined, 'meta-llama/Llama-3.1-8B', 'none'],
    ['no live name → none', undefined, undefined, 'none'],
  ];
  for (const [name, explicit, live, want] of rows) {
    it(name, () => expect(resolveProfile(explicit, live)).toBe(want));
  }
  it('002:10 only thinking-capable profiles get a -nonthinking row', () => {
    expect(isThinkingCapable('deepseek-v4')).toBe(true);
    expect(isThinkingCapable('glm-5')).toBe(true);
    expect(isThinkingCapable('kimi-k2')).toBe(true);
    expect(isThinkingCapable('none')).toBe(false);
  });
});
