import { describe, expect, it } from 'vitest';
import { proxyRequest, shapingConfig } from '../../../test/helpers/shaping.js';
import type { Endpoint, ShapingConfig } from '../context.js';
import { aliasModel, hasNonThinkingSuffix, resolveModelName } from './alias-model.js';

const LIVE = 'DeepSeek-V4-Pro';
const ON = { aliasModel: LIVE } as const;

interface Row {
  readonly seed: string;
  readonly cfg: Partial<ShapingConfig>;
  readonly model: string;
  readonly want: string;
}

// Each row is one line of seed 003 "Decision order" (lines 16–23), seed 002 "Model field"
// (lines 43–51) or seed 001 "Variants" (lines 28–31).
const rows: readonly Row[] = [
  { seed: '003:16 PROXY_ALIAS_MODEL unset → pass through', cfg: {}, model: 'claude-sonnet-4-6', want: 'claude-sonnet-4-6' },
  { seed: '003:16 unset → pass through, even with REWRITE_ALL', cfg: { aliasRewriteAll: true }, model: 'anything', want: 'anything' },
  { seed: '003:17 exact canonical (case-sensitive) → pass through', cfg: ON, model: LIVE, want: LIVE },
  { seed: '003:19 REWRITE_ALL=on rewrites any non-empty model', cfg: { ...ON, aliasRewriteAll: true }, model: 'some-other-model', want: LIVE },
  { seed: '003:20 lowercased equal → canonical spelling', cfg: ON, model: 'deepseek-v4-pro', want: LIVE },
  { seed: '003:27 DEEPSEEK-V4-PRO rewrites', cfg: ON, model: 'DEEPSEEK-V4-PRO', want: LIVE },
  { seed: '002:48 DeepSeek-v4-pro rewrites', cfg: ON, model: 'DeepSeek-v4-pro', want: LIVE },
  { seed: '003:21 starts with claude- → canonical', cfg: ON, model: 'claude-opus-4-1-20250805', want: LIVE },
  { seed: '003:27 Claude-Sonnet-4-6 (case-insensitive prefix) rewrites', cfg: ON, model: 'Claude-Sonnet-4-6', want: LIVE },
  { seed: '003:21 "claude" without the dash is not the prefix', cfg: ON, model: 'claudette', want: 'claudette' },
  { seed: '003:22 listed in PROXY_ALIAS_SOURCES → canonical', cfg: { ...ON, aliasSources: ['glm-5.1-fp8', 'Kimi-K2.6'] }, model: 'glm-5.1-fp8', want: LIVE },
  { seed: '003:27 GLM-5.1-FP8 matches a lowercased source', cfg: { ...ON, aliasSources: ['glm-5.1-fp8'] }, model: 'GLM-5.1-FP8', want: LIVE },
  { seed: '003:22 sources are lowercased too', cfg: { ...ON, aliasSources: ['Kimi-K2.6'] }, model: 'kimi-k2.6', want: LIVE },
  { seed: '003:23 otherwise → pass through (vLLM answers 404)', cfg: { ...ON, aliasSources: ['glm-5.1-fp8'] }, model: 'llama-3-70b', want: 'llama-3-70b' },
  { seed: '002:44 DeepSeek-V4-Pro-nonthinking → canonical name forwarded', cfg: ON, model: 'DeepSeek-V4-Pro-nonthinking', want: LIVE },
  { seed: '001:30 -nonthink suffix stripped before the decision order', cfg: ON, model: 'deepseek-v4-pro-nonthink', want: LIVE },
  { seed: '001:30 suffix on a claude- name', cfg: ON, model: 'claude-sonnet-4-6-nonthinking', want: LIVE },
  { seed: '001:31 suffix any case', cfg: ON, model: 'DEEPSEEK-V4-PRO-NONTHINKING', want: LIVE },
  { seed: '001:31 suffix stripped when the alias is unset (vLLM serves the base name)', cfg: {}, model: 'DeepSeek-V4-Pro-nonthinking', want: LIVE },
  { seed: '001:31 suffix stripped on a pass-through name', cfg: ON, model: 'llama-3-nonthink', want: 'llama-3' },
  { seed: '003:17 a canonical that itself ends in -nonthinking stays intact', cfg: { aliasModel: 'X-nonthinking' }, model: 'X-nonthinking', want: 'X-nonthinking' },
];

describe('resolveModelName (seed 003 decision order)', () => {
  for (const r of rows) {
    it(`${r.seed}: ${r.model} → ${r.want}`, () => {
      expect(resolveModelName(r.model, shapingConfig(r.cfg))).toBe(r.want);
    });
  }
});

describe('aliasModel shaper', () => {
  const cfg = shapingConfig({ aliasModel: LIVE });

  for (const endpoint of ['chat', 'completions', 'responses', 'messages', 'count_tokens'] as const) {
    it(`003:27 rewrites model on ${endpoint}, copying only the top level`, () => {
      const messages = [{ role: 'user', content: 'hi' }];
      const req = proxyRequest(endpoint, { model: 'claude-sonnet-4-6', messages });
      const out = aliasModel(req, cfg);
      expect(out.req.body).toEqual({ model: LIVE, messages });
      expect(out.req.body.messages).toBe(messages);
      expect(out.req.facts).toBe(req.facts);
      expect(out.effects).toEqual([{ kind: 'model-aliased', from: 'claude-sonnet-4-6', to: LIVE }]);
      expect(req.body.model).toBe('claude-sonnet-4-6');
    });
  }

  const untouched: Array<[string, Endpoint, Record<string, unknown>]> = [
    ['003:17 exact canonical', 'chat', { model: LIVE }],
    ['missing model (vLLM uses its first served name)', 'chat', {}],
    ['003:12 empty model string is not rewritten', 'chat', { model: '' }],
    ['non-string model', 'chat', { model: 42 }],
    ['embeddings are not shaped', 'embeddings', { model: 'claude-x' }],
  ];
  for (const [name, endpoint, body] of untouched) {
    it(`returns the same request object: ${name}`, () => {
      const req = proxyRequest(endpoint, body as never);
      const out = aliasModel(req, cfg);
      expect(out.req).toBe(req);
      expect(out.effects).toEqual([]);
    });
  }

  it('001:30 recognises both suffix spellings only at the end', () => {
    expect(hasNonThinkingSuffix('a-nonthinking')).toBe(true);
    expect(hasNonThinkingSuffix('a-NonThink')).toBe(true);
    expect(hasNonThinkingSuffix('a-nonthinking-x')).toBe(false);
    expect(hasNonThinkingSuffix('nonthinking')).toBe(false);
  });
});
