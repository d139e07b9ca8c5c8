/**
 * The thinking-mode table: per model family, how "thinking off / on / Think High / Think Max"
 * is written into vLLM's `chat_template_kwargs`.
 * Data, not branches: a new family is a new row. docs/thinking-modes.md renders this table.
 */
import type { ModelProfileName } from '../../core/config.js';
import type { JsonObject } from '../../core/json.js';

/**
 * What the client asked for. `default` = thinking on at the model's own effort (DeepSeek-V4
 * "Think High, Default"); `high` = an explicit effort below max; `max` = Think Max.
 */
export type ThinkingMode = 'off' | 'default' | 'high' | 'max';

export interface ThinkingProfile {
  readonly name: ModelProfileName;
  /** The template can switch thinking on and off (drives the synthetic `-nonthinking` row). */
  readonly capable: boolean;
  /** `chat_template_kwargs` written for each mode ({} = nothing to write). */
  readonly kwargs: Readonly<Record<ThinkingMode, Readonly<JsonObject>>>;
  /** Keys that switch thinking: when the client sets any of them, it owns the switch. */
  readonly switchKeys: readonly string[];
  /** Keys that carry the effort: when the client sets any of them, it owns the effort. */
  readonly effortKeys: readonly string[];
  /** Think Max also prepends the reasoning-effort system prefix (PROXY_THINK_MAX_PREFIX). */
  readonly maxPrefix: boolean;
  /** How the family is recognised in a served-model name when PROXY_MODEL_PROFILE is unset. */
  readonly match: RegExp | undefined;
}

const on = (key: string): JsonObject => ({ [key]: true });
const off = (key: string): JsonObject => ({ [key]: false });

/**
 * The rows. DeepSeek-V4 sets both `thinking` and `enable_thinking` because its tokenizer reads
 * either while its reasoning parser reads both (vLLM `deepseek_v4_chat_kwargs.py` normalises
 * the same way); its template knows `reasoning_effort` high|max. GLM (4.5+ and 5.x) knows only
 * `enable_thinking`, Kimi K2 only `thinking`: every effort is plain "on" there.
 */
export const THINKING_PROFILES: Readonly<Record<ModelProfileName, ThinkingProfile>> = Object.freeze({
  'deepseek-v4': {
    name: 'deepseek-v4',
    capable: true,
    kwargs: {
      off: { thinking: false, enable_thinking: false },
      default: { thinking: true, enable_thinking: true },
      high: { thinking: true, enable_thinking: true, reasoning_effort: 'high' },
      max: { thinking: true, enable_thinking: true, reasoning_effort: 'max' },
    },
    switchKeys: ['thinking', 'enable_thinking'],
    effortKeys: ['reasoning_effort'],
    maxPrefix: true,
    match: /deepseek[-_ ]?v4/i,
  },
  'glm-5': {
    name: 'glm-5',
    capable: true,
    kwargs: { off: off('enable_thinking'), default: on('enable_thinking'), high: on('enable_thinking'), max: on('enable_thinking') },
    switchKeys: ['enable_thinking'],
    effortKeys: [],
    maxPrefix: false,
    match: /glm[-_ ]?(5|4\.[5-9])/i,
  },
  'kimi-k2': {
    name: 'kimi-k2',
    capable: true,
    kwargs: { off: off('thinking'), default: on('thinking'), high: on('thinking'), max: on('thinking') },
    switchKeys: ['thinking', 'enable_thinking'],
    effortKeys: [],
    maxPrefix: false,
    match: /kimi[-_ ]?k2/i,
  },
  none: {
    name: 'none',
    capable: false,
    kwargs: { off: {}, default: {}, high: {}, max: {} },
    switchKeys: [],
    effortKeys: [],
    maxPrefix: false,
    match: undefined,
  },
});

/** Derivation order when the profile is not configured: first matching row wins. */
const DERIVABLE: readonly ThinkingProfile[] = [THINKING_PROFILES['deepseek-v4'], THINKING_PROFILES['glm-5'], THINKING_PROFILES['kimi-k2']];

/**
 * The profile in force: `PROXY_MODEL_PROFILE` when set, else derived from the live model name
 * (e.g. `DeepSeek-V4-Pro` → deepseek-v4, `zai-org/GLM-5.1-FP8` → glm-5, `Kimi-K2.6` → kimi-k2),
 * else `none`.
 */
export function resolveProfile(explicit: ModelProfileName | undefined, liveModelName: string | undefined): ModelProfileName {
  if (explicit !== undefined) return explicit;
  if (liveModelName === undefined) return 'none';
  return DERIVABLE.find((p) => p.match?.test(liveModelName) === true)?.name ?? 'none';
}

/** Whether the profile can switch thinking off (so a `-nonthinking` variant is worth listing). */
export function isThinkingCapable(profile: ModelProfileName): boolean {
  return THINKING_PROFILES[profile].capable;
}
