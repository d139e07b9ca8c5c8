/**
 * The shaping configuration of a request, per model: the client's model string is resolved
 * through the alias rules to the served name, whose settings (thinking profile, context
 * window, output cap) come from the models file, then detection, then the environment
 * (data-plane/fleet.ts). One frozen config per distinct setting, built once.
 */
import type { Config } from '../core/config.js';
import type { ShapingConfig } from './context.js';
import type { FleetModels } from './fleet.js';
import { aliasConfigOf, resolveModelName } from './transforms/alias-model.js';

export interface ShapingConfigOptions {
  readonly config: Config;
  readonly models: FleetModels;
  /** Resolves once the backends were probed once (the settings may depend on their listings). */
  readonly ready: Promise<void>;
  /** The backend's live model, for a request that names none. */
  readonly liveModel: () => string | undefined;
}

export type ShapingConfigFor = (clientModel: string | undefined) => ShapingConfig | Promise<ShapingConfig>;

export function shapingConfigs(o: ShapingConfigOptions): ShapingConfigFor {
  const { config } = o;
  const alias = aliasConfigOf(config.alias);
  const built = new Map<string, ShapingConfig>();
  const forModel = (clientModel: string | undefined): ShapingConfig => {
    const model = clientModel === undefined || clientModel === '' ? o.liveModel() : resolveModelName(clientModel, alias);
    const s = o.models.settings(model);
    const key = `${s.profile}\n${s.contextTokens}\n${s.maxOutputTokens}`;
    let cfg = built.get(key);
    if (cfg === undefined) {
      cfg = Object.freeze({
        ...alias,
        profile: s.profile,
        maxContextTokens: s.contextTokens,
        maxOutputTokens: s.maxOutputTokens,
        stripHan: config.stripHan,
        hanSystemPrompt: config.hanSystemPrompt,
        thinkMaxPrefix: config.thinkMaxPrefix,
      });
      built.set(key, cfg);
    }
    return cfg;
  };
  let ready = false;
  void o.ready.then(() => {
    ready = true;
  });
  // Until the first probe answered, wait for it once: the settings depend on the listings.
  return (clientModel) => (ready ? forModel(clientModel) : o.ready.then(() => forModel(clientModel)));
}
