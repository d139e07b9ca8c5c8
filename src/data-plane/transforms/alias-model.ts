/**
 * Model alias rewriting (the decision order of docs/shaping.md) on every shaped endpoint (chat,
 * completions, responses, messages, messages/count_tokens). A `-nonthinking` / `-nonthink` suffix
 * (docs/thinking-modes.md) is removed first, so the base name is what the decision order sees; the thinking
 * shaper reads the suffix from `facts.requestedModel`.
 */
import type { Endpoint, ShapeEffect, Shaper, ShapingConfig } from '../context.js';

/** Shared by every path that changes nothing, so those paths allocate no array. */
const NONE: readonly ShapeEffect[] = Object.freeze([]);

/** Shaped endpoints; count_tokens too, so Claude Code's `claude-*` counts reach the live model. */
const ALIASED: ReadonlySet<Endpoint> = new Set<Endpoint>(['chat', 'completions', 'responses', 'messages', 'count_tokens']);

/** `-nonthinking` or `-nonthink` at the end of a model name, any case. */
const NON_THINKING_SUFFIX = /-nonthink(?:ing)?$/i;

/** True when the model name asks for the non-thinking variant. */
export function hasNonThinkingSuffix(model: string): boolean {
  return NON_THINKING_SUFFIX.test(model);
}

/** The model name without a trailing `-nonthinking` / `-nonthink`. */
export function stripNonThinkingSuffix(model: string): string {
  return model.replace(NON_THINKING_SUFFIX, '');
}

/** The alias slice of the shaping config. */
export type AliasConfig = Pick<ShapingConfig, 'aliasModel' | 'aliasSources' | 'aliasRewriteAll'>;

/** The alias slice from the configuration's `alias` settings. */
export function aliasConfigOf(alias: { readonly model: string | undefined; readonly sources: readonly string[]; readonly rewriteAll: boolean }): AliasConfig {
  return { aliasModel: alias.model, aliasSources: alias.sources, aliasRewriteAll: alias.rewriteAll };
}

/**
 * The model name to forward for a client's `model` string. Steps follow docs/shaping.md;
 * the suffix is removed before them unless the whole string is exactly the canonical name.
 */
export function resolveModelName(model: string, cfg: AliasConfig): string {
  const canonical = cfg.aliasModel;
  // Step 2 on the raw string: a served name that itself ends in -nonthinking stays intact.
  if (model === canonical) return model;
  const base = stripNonThinkingSuffix(model);
  // Step 1: no canonical name → pass through (the suffix still goes: vLLM serves the base name).
  if (canonical === undefined) return base;
  // Step 2: already the canonical spelling.
  if (base === canonical) return base;
  // Step 3: compare lowercased; steps 4–7 rewrite, step 8 passes through.
  const lower = base.toLowerCase();
  if (
    cfg.aliasRewriteAll ||
    lower === canonical.toLowerCase() ||
    lower.startsWith('claude-') ||
    cfg.aliasSources.some((s) => s.toLowerCase() === lower)
  ) {
    return canonical;
  }
  return base;
}

/**
 * Rewrites `model` to the forwarded name; the same request when nothing changes. A missing,
 * empty or non-string `model` is left alone (vLLM then uses its first served name).
 */
export const aliasModel: Shaper = (req, cfg) => {
  if (!ALIASED.has(req.facts.endpoint)) return { req, effects: NONE };
  const model = req.body.model;
  if (typeof model !== 'string' || model === '') return { req, effects: NONE };
  const forwarded = resolveModelName(model, cfg);
  if (forwarded === model) return { req, effects: NONE };
  return {
    req: { ...req, body: { ...req.body, model: forwarded } },
    effects: [{ kind: 'model-aliased', from: model, to: forwarded }],
  };
};
