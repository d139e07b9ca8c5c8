/**
 * Thinking-mode mapping (docs/thinking-modes.md): reads
 * the client's signals (a `-nonthinking` suffix, Claude-style `thinking`, `output_config.effort`,
 * OpenAI `reasoning_effort`) and writes the profile's `chat_template_kwargs` on chat
 * completions and messages. The client's own `chat_template_kwargs` keys win over ours.
 */
import { isJsonObject } from '../../core/json.js';
import type { JsonObject } from '../../core/json.js';
import type { Endpoint, ProxyRequest, ShapeEffect, Shaper, ShapingConfig } from '../context.js';
import { hasNonThinkingSuffix } from './alias-model.js';
import { THINKING_PROFILES } from './thinking-profiles.js';
import type { ThinkingMode } from './thinking-profiles.js';

/** Shared by every path that changes nothing, so those paths allocate no array. */
const NONE: readonly ShapeEffect[] = Object.freeze([]);

/**
 * Only these endpoints render a chat template vLLM takes `chat_template_kwargs` for;
 * count_tokens gets the same kwargs so it counts the prompt the real request will have.
 */
const TEMPLATED: ReadonlySet<Endpoint> = new Set<Endpoint>(['chat', 'messages', 'count_tokens']);

/**
 * Effort words → mode. `xhigh` is a synonym for `max`; every effort below
 * max is Think High (DeepSeek-V4's template knows high|max only); `none` turns thinking off.
 */
const EFFORT_MODE: Readonly<Record<string, ThinkingMode>> = {
  none: 'off',
  minimal: 'high',
  low: 'high',
  medium: 'high',
  high: 'high',
  xhigh: 'max',
  max: 'max',
};

function effortOf(body: Readonly<JsonObject>): ThinkingMode | undefined {
  const oc = body.output_config;
  const effort = isJsonObject(oc) && typeof oc.effort === 'string' ? oc.effort : body.reasoning_effort;
  return typeof effort === 'string' ? EFFORT_MODE[effort.toLowerCase()] : undefined;
}

/** `thinking: {type: enabled|adaptive|disabled}` (also a bare boolean) → on/off/unsaid. */
function thinkingSwitch(body: Readonly<JsonObject>): boolean | undefined {
  const t = body.thinking;
  if (typeof t === 'boolean') return t;
  if (!isJsonObject(t)) return undefined;
  if (t.type === 'disabled') return false;
  if (t.type === 'enabled' || t.type === 'adaptive') return true;
  return undefined;
}

/**
 * The mode the client asked for, or undefined when it said nothing. Precedence: the model-name
 * suffix (the strongest, deliberate choice) → `thinking` disabled → an effort → `thinking` enabled.
 */
function requestedThinkingMode(req: ProxyRequest, aliasModel: string | undefined): ThinkingMode | undefined {
  const asked = req.facts.requestedModel;
  if (asked !== undefined && asked !== aliasModel && hasNonThinkingSuffix(asked)) return 'off';
  const sw = thinkingSwitch(req.body);
  if (sw === false) return 'off';
  const effort = effortOf(req.body);
  if (effort !== undefined) return effort;
  return sw === true ? 'default' : undefined;
}

/** What the thinking shaper decided: the mode and the `chat_template_kwargs` to send. */
export interface ThinkingDecision {
  readonly mode: ThinkingMode;
  readonly kwargs: Readonly<JsonObject>;
  /** False when the client's own kwargs already say everything we would write. */
  readonly changed: boolean;
}

function owns(client: Readonly<JsonObject>, keys: readonly string[]): boolean {
  return keys.some((k) => client[k] !== undefined);
}

/**
 * The decision for a request, or undefined when none applies (endpoint without a template,
 * profile `none`, no client signal, or a `chat_template_kwargs` that is not an object).
 * A client that sets any switch key owns the switch, any effort key owns the effort: ours are
 * dropped for that group, so the two never contradict each other.
 */
function decideThinking(req: ProxyRequest, cfg: Pick<ShapingConfig, 'profile' | 'aliasModel'>): ThinkingDecision | undefined {
  if (!TEMPLATED.has(req.facts.endpoint)) return undefined;
  const profile = THINKING_PROFILES[cfg.profile];
  if (!profile.capable) return undefined;
  const mode = requestedThinkingMode(req, cfg.aliasModel);
  if (mode === undefined) return undefined;
  const raw = req.body.chat_template_kwargs;
  if (raw !== undefined && raw !== null && !isJsonObject(raw)) return undefined;
  const client: Readonly<JsonObject> = isJsonObject(raw) ? raw : {};
  const dropSwitch = owns(client, profile.switchKeys);
  const dropEffort = owns(client, profile.effortKeys);
  const kwargs: JsonObject = {};
  let changed = false;
  for (const [k, v] of Object.entries(profile.kwargs[mode])) {
    if ((dropSwitch && profile.switchKeys.includes(k)) || (dropEffort && profile.effortKeys.includes(k))) continue;
    if (client[k] === undefined) {
      kwargs[k] = v;
      changed = true;
    }
  }
  return { mode, kwargs: changed ? { ...kwargs, ...client } : client, changed };
}

/**
 * Think Max in force: the client asked for max, the profile prefixes it, and the kwargs sent
 * still say max (a client that overrides the switch or effort keys turns the prefix off).
 */
export function isThinkMax(req: ProxyRequest, cfg: Pick<ShapingConfig, 'profile' | 'aliasModel'>): boolean {
  const d = decideThinking(req, cfg);
  if (d === undefined || d.mode !== 'max') return false;
  const profile = THINKING_PROFILES[cfg.profile];
  return (
    profile.maxPrefix &&
    profile.switchKeys.every((k) => d.kwargs[k] !== false) &&
    profile.effortKeys.every((k) => d.kwargs[k] === profile.kwargs.max[k])
  );
}

/** Writes the profile's `chat_template_kwargs`; the same request when nothing changes. */
export const thinkingMode: Shaper = (req, cfg) => {
  const d = decideThinking(req, cfg);
  if (d === undefined || !d.changed) return { req, effects: NONE };
  return {
    req: { ...req, body: { ...req.body, chat_template_kwargs: d.kwargs } },
    effects: [{ kind: 'thinking-mode', mode: d.mode, kwargs: d.kwargs }],
  };
};
