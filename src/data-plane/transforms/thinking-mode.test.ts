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
  readonly what: string;
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
  { what: 'DeepSeek-V4-Pro with no signal: Think High is the model default, nothing written', profile: 'deepseek-v4', body: { model: LIVE }, want: undefined },
  { what: 'output_config.effort max → Think Max', profile: 'deepseek-v4', endpoint: 'messages', body: { model: LIVE, output_config: { effort: 'max' } }, want: DS_MAX, mode: 'max', thinkMax: true },
  { what: 'effort xhigh is a synonym for max', profile: 'deepseek-v4', endpoint: 'messages', body: { model: LIVE, output_config: { effort: 'xhigh' } }, want: DS_MAX, mode: 'max', thinkMax: true },
  { what: 'Claude-style output_config.effort on chat completions too', profile: 'deepseek-v4', body: { model: LIVE, output_config: { effort: 'max' } }, want: DS_MAX, mode: 'max', thinkMax: true },
  { what: 'DeepSeek-V4-Pro-nonthinking → non-think', profile: 'deepseek-v4', asked: 'DeepSeek-V4-Pro-nonthinking', body: { model: LIVE }, want: DS_OFF, mode: 'off' },
  { what: 'any -nonthink suffix → non-think', profile: 'deepseek-v4', asked: 'claude-sonnet-4-6-nonthink', body: { model: LIVE }, want: DS_OFF, mode: 'off' },
  { what: 'the suffix beats thinking enabled', profile: 'deepseek-v4', endpoint: 'messages', asked: 'x-nonthinking', body: { model: LIVE, thinking: { type: 'enabled', budget_tokens: 2048 } }, want: DS_OFF, mode: 'off' },
  { what: 'Anthropic thinking enabled + budget → thinking on', profile: 'deepseek-v4', endpoint: 'messages', body: { model: LIVE, thinking: { type: 'enabled', budget_tokens: 2048 } }, want: DS_ON, mode: 'default' },
  { what: 'Anthropic thinking disabled → off', profile: 'deepseek-v4', endpoint: 'messages', body: { model: LIVE, thinking: { type: 'disabled' } }, want: DS_OFF, mode: 'off' },
  { what: 'thinking adaptive → on', profile: 'deepseek-v4', endpoint: 'messages', body: { model: LIVE, thinking: { type: 'adaptive' } }, want: DS_ON, mode: 'default' },
  { what: 'thinking disabled beats effort max', profile: 'deepseek-v4', endpoint: 'messages', body: { model: LIVE, thinking: { type: 'disabled' }, output_config: { effort: 'max' } }, want: DS_OFF, mode: 'off' },
  { what: 'Claude-style thinking on chat completions', profile: 'deepseek-v4', body: { model: LIVE, thinking: { type: 'disabled' } }, want: DS_OFF, mode: 'off' },
  { what: 'OpenAI reasoning_effort high → Think High', profile: 'deepseek-v4', body: { model: LIVE, reasoning_effort: 'high' }, want: DS_HIGH, mode: 'high' },
  { what: 'reasoning_effort max → Think Max', profile: 'deepseek-v4', body: { model: LIVE, reasoning_effort: 'max' }, want: DS_MAX, mode: 'max', thinkMax: true },
  { what: 'effort low and medium map to high (template knows high|max)', profile: 'deepseek-v4', endpoint: 'messages', body: { model: LIVE, output_config: { effort: 'low' } }, want: DS_HIGH, mode: 'high' },
  { what: 'reasoning_effort none → off', profile: 'deepseek-v4', body: { model: LIVE, reasoning_effort: 'none' }, want: DS_OFF, mode: 'off' },
  { what: 'output_config.effort wins over reasoning_effort', profile: 'deepseek-v4', body: { model: LIVE, output_config: { effort: 'max' }, reasoning_effort: 'low' }, want: DS_MAX, mode: 'max', thinkMax: true },
  { what: 'an unknown effort word is no signal', profile: 'deepseek-v4', body: { model: LIVE, reasoning_effort: 'ultra' }, want: undefined },
  { what: 'client kwargs keys win: other keys kept, ours added first', profile: 'deepseek-v4', asked: 'x-nonthinking', body: { model: LIVE, chat_template_kwargs: { custom: 1 } }, want: { ...DS_OFF, custom: 1 }, mode: 'off' },
  { what: 'a client that sets the switch owns it: nothing to add', profile: 'deepseek-v4', asked: 'x-nonthinking', body: { model: LIVE, chat_template_kwargs: { thinking: true } }, want: undefined },
  { what: 'a client that sets the effort owns it: no Think Max prefix', profile: 'deepseek-v4', body: { model: LIVE, output_config: { effort: 'max' }, chat_template_kwargs: { reasoning_effort: 'high' } }, want: { ...DS_ON, reasoning_effort: 'high' }, mode: 'max', thinkMax: false },
  { what: 'client switch on + effort max keeps Think Max', profile: 'deepseek-v4', body: { model: LIVE, reasoning_effort: 'max', chat_template_kwargs: { thinking: true } }, want: { reasoning_effort: 'max', thinking: true }, mode: 'max', thinkMax: true },
  { what: 'client switch off + effort max: no prefix', profile: 'deepseek-v4', body: { model: LIVE, reasoning_effort: 'max', chat_template_kwargs: { enable_thinking: false } }, want: { reasoning_effort: 'max', enable_thinking: false }, mode: 'max', thinkMax: false },
  { what: 'non-object chat_template_kwargs is left to the backend', profile: 'deepseek-v4', asked: 'x-nonthinking', body: { model: LIVE, chat_template_kwargs: 'x' }, want: undefined },
  { what: 'glm-5: -nonthinking → enable_thinking false', profile: 'glm-5', asked: 'glm-5.1-fp8-nonthinking', body: { model: 'glm-5.1-fp8' }, want: { enable_thinking: false }, mode: 'off' },
  { what: 'glm-5: effort max is plain on, no prefix (no effort knob)', profile: 'glm-5', endpoint: 'messages', body: { model: 'glm-5.1-fp8', output_config: { effort: 'max' } }, want: { enable_thinking: true }, mode: 'max', thinkMax: false },
  { what: 'kimi-k2: thinking disabled → thinking false', profile: 'kimi-k2', endpoint: 'messages', body: { model: 'Kimi-K2.6', thinking: { type: 'disabled' } }, want: { thinking: false }, mode: 'off' },
  { what: 'kimi-k2: thinking enabled → thinking true', profile: 'kimi-k2', body: { model: 'Kimi-K2.6', thinking: { type: 'enabled' } }, want: { thinking: true }, mode: 'default' },
  { what: 'profile none: the suffix has nothing to write', profile: 'none', asked: 'x-nonthinking', body: { model: 'x' }, want: undefined },
  { what: 'messages/count_tokens gets the same kwargs as the request it counts', profile: 'deepseek-v4', endpoint: 'count_tokens', body: { model: LIVE, thinking: { type: 'disabled' } }, want: DS_OFF, mode: 'off' },
  { what: 'completions has no chat template: untouched', profile: 'deepseek-v4', endpoint: 'completions', asked: 'x-nonthinking', body: { model: LIVE }, want: undefined },
  { what: 'responses: the backend maps reasoning.effort itself', profile: 'deepseek-v4', endpoint: 'responses', asked: 'x-nonthinking', body: { model: LIVE }, want: undefined },
];

describe('thinkingMode shaper', () => {
  for (const r of rows) {
    it(r.what, () => {
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

  it('a canonical name that ends in -nonthinking is not a non-think request', () => {
    const cfg = shapingConfig({ profile: 'deepseek-v4', aliasModel: 'X-nonthinking' });
    const req = proxyRequest('chat', { model: 'X-nonthinking' });
    expect(thinkingMode(req, cfg).req).toBe(req);
  });
});

describe('resolveProfile / isThinkingCapable', () => {
  const rows: Array<[string, ModelProfileName | undefined, string | undefined, ModelProfileName]> = [
    ['PROXY_MODEL_PROFILE wins over the live name', 'kimi-k2', 'DeepSeek-V4-Pro', 'kimi-k2'],
    ['DeepSeek-V4-Pro → deepseek-v4', undefined, 'DeepSeek-V4-Pro', 'deepseek-v4'],
    ['DeepSeek-V4-Flash → deepseek-v4', undefined, 'deepseek-ai/DeepSeek-V4-Flash', 'deepseek-v4'],
    ['GLM-5.1-FP8 → glm-5', undefined, 'zai-org/GLM-5.1-FP8', 'glm-5'],
    ['glm-5.1-fp8 → glm-5', undefined, 'glm-5.1-fp8', 'glm-5'],
    ['Kimi-K2.6 → kimi-k2', undefined, 'moonshotai/Kimi-K2.6', 'kimi-k2'],
    ['other models → none', undefined, 'meta-llama/Llama-3.1-8B', 'none'],
    ['no live name → none', undefined, undefined, 'none'],
  ];
  for (const [name, explicit, live, want] of rows) {
    it(name, () => expect(resolveProfile(explicit, live)).toBe(want));
  }
  it('only thinking-capable profiles get a -nonthinking row', () => {
    expect(isThinkingCapable('deepseek-v4')).toBe(true);
    expect(isThinkingCapable('glm-5')).toBe(true);
    expect(isThinkingCapable('kimi-k2')).toBe(true);
    expect(isThinkingCapable('none')).toBe(false);
  });
});
