import { describe, expect, it } from 'vitest';
import { proxyRequest, shapingConfig } from '../../../test/helpers/shaping.js';
import type { Endpoint, ShapingConfig } from '../context.js';
import { aliasModel, hasNonThinkingSuffix, resolveModelName } from './alias-model.js';

const LIVE = 'DeepSeek-V4-Pro';
const ON = { aliasModel: LIVE } as const;

interface Row {
  readonly what: string;
  readonly cfg: Partial<ShapingConfig>;
  readonly model: string;
  readonly want: string;
}

// Each row is one step of the alias decision order, the model-field rules or the
// `-nonthinking` variant suffix (docs/shaping.md, docs/thinking-modes.md).
const rows: readonly Row[] = [
  { what: 'PROXY_ALIAS_MODEL unset → pass through', cfg: {}, model: 'claude-sonnet-4-6', want: 'claude-sonnet-4-6' },
  { what: 'unset → pass through, even with REWRITE_ALL', cfg: { aliasRewriteAll: true }, model: 'anything', want: 'anything' },
  { what: 'exact canonical (case-sensitive) → pass through', cfg: ON, model: LIVE, want: LIVE },
  { what: 'REWRITE_ALL=on rewrites any non-empty model', cfg: { ...ON, aliasRewriteAll: true }, model: 'some-other-model', want: LIVE },
  { what: 'lowercased equal → canonical spelling', cfg: ON, model: 'deepseek-v4-pro', want: LIVE },
  { what: 'DEEPSEEK-V4-PRO rewrites', cfg: ON, model: 'DEEPSEEK-V4-PRO', want: LIVE },
  { what: 'DeepSeek-v4-pro rewrites', cfg: ON, model: 'DeepSeek-v4-pro', want: LIVE },
  { what: 'starts with claude- → canonical', cfg: ON, model: 'claude-opus-4-1-20250805', want: LIVE },
  { what: 'Claude-Sonnet-4-6 (case-insensitive prefix) rewrites', cfg: ON, model: 'Claude-Sonnet-4-6', want: LIVE },
  { what: '"claude" without the dash is not the prefix', cfg: ON, model: 'claudette', want: 'claudette' },
  { what: 'listed in PROXY_ALIAS_SOURCES → canonical', cfg: { ...ON, aliasSources: ['glm-5.1-fp8', 'Kimi-K2.6'] }, model: 'glm-5.1-fp8', want: LIVE },
  { what: 'GLM-5.1-FP8 matches a lowercased source', cfg: { ...ON, aliasSources: ['glm-5.1-fp8'] }, model: 'GLM-5.1-FP8', want: LIVE },
  { what: 'sources are lowercased too', cfg: { ...ON, aliasSources: ['Kimi-K2.6'] }, model: 'kimi-k2.6', want: LIVE },
  { what: 'otherwise → pass through (vLLM answers 404)', cfg: { ...ON, aliasSources: ['glm-5.1-fp8'] }, model: 'llama-3-70b', want: 'llama-3-70b' },
  { what: 'DeepSeek-V4-Pro-nonthinking → canonical name forwarded', cfg: ON, model: 'DeepSeek-V4-Pro-nonthinking', want: LIVE },
  { what: '-nonthink suffix stripped before the decision order', cfg: ON, model: 'deepseek-v4-pro-nonthink', want: LIVE },
  { what: 'suffix on a claude- name', cfg: ON, model: 'claude-sonnet-4-6-nonthinking', want: LIVE },
  { what: 'suffix any case', cfg: ON, model: 'DEEPSEEK-V4-PRO-NONTHINKING', want: LIVE },
  { what: 'suffix stripped when the alias is unset (vLLM serves the base name)', cfg: {}, model: 'DeepSeek-V4-Pro-nonthinking', want: LIVE },
  { what: 'suffix stripped on a pass-through name', cfg: ON, model: 'llama-3-nonthink', want: 'llama-3' },
  { what: 'a canonical that itself ends in -nonthinking stays intact', cfg: { aliasModel: 'X-nonthinking' }, model: 'X-nonthinking', want: 'X-nonthinking' },
];

describe('resolveModelName (alias decision order)', () => {
  for (const r of rows) {
    it(`${r.what}: ${r.model} → ${r.want}`, () => {
      expect(resolveModelName(r.model, shapingConfig(r.cfg))).toBe(r.want);
    });
  }
});

describe('aliasModel shaper', () => {
  const cfg = shapingConfig({ aliasModel: LIVE });

  for (const endpoint of ['chat', 'completions', 'responses', 'messages', 'count_tokens'] as const) {
    it(`rewrites model on ${endpoint}, copying only the top level`, () => {
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
    ['exact canonical', 'chat', { model: LIVE }],
    ['missing model (vLLM uses its first served name)', 'chat', {}],
    ['empty model string is not rewritten', 'chat', { model: '' }],
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

  it('recognises both suffix spellings only at the end', () => {
    expect(hasNonThinkingSuffix('a-nonthinking')).toBe(true);
    expect(hasNonThinkingSuffix('a-NonThink')).toBe(true);
    expect(hasNonThinkingSuffix('a-nonthinking-x')).toBe(false);
    expect(hasNonThinkingSuffix('nonthinking')).toBe(false);
  });
});
