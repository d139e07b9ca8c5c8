/**
 * The fleet as the data plane sees it: which models the backends serve (learned from their
 * listings), the per-model settings, the 404 for a model nobody serves, and the union that
 * GET /v1/models answers. Routing itself is upstream/fleet-routing.ts.
 */
import type { ModelProfileName } from '../core/config.js';
import { GatewayError } from '../core/errors.js';
import type { JsonObject } from '../core/json.js';
import type { ModelSettings } from './models-file.js';
import { isThinkingCapable, resolveProfile } from './transforms/thinking-profiles.js';
import type { FleetState } from './upstream/fleet-state.js';

/** The suffix of the synthetic non-thinking card. */
export const NONTHINKING_SUFFIX = '-nonthinking';

const MODEL_REQUIRED = 'model is required: the backends serve different models';

/** vLLM's message for a model it does not serve; `asked`: the name the client sent, when shaping changed it (a `-nonthinking` suffix removed). */
export function modelNotFound(model: string, asked?: string): GatewayError {
  const from = asked === undefined || asked === model ? '' : ` (from \`${asked}\`)`;
  return new GatewayError('not_found', `The model \`${model}\`${from} does not exist.`);
}

export interface FleetModels {
  /**
   * Throws the 404 when the backends' models are known and none serves `model`, and a 400 when
   * no model is named while they serve several (which one is meant cannot be told).
   */
  check(model: string | undefined, asked?: string): void;
  /** The replicas serve different models: a request must be read for its model to be routed. */
  servesMany(): boolean;
  /** Routing has a choice for `model`: more than one replica may take it (the prompt's prefix then matters). */
  readonly routesBetween: (model: string | undefined) => boolean;
  /** Settings for `model`: the models file, else the global settings (the context window bounded by the listed max_model_len). */
  settings(model: string | undefined): { profile: ModelProfileName; contextTokens: number; maxOutputTokens: number };
  /**
   * The model whose engines run a request for `model`, for the fair queue: a LoRA adapter's base
   * model (its card's `parent`), another served name of the same weights (same `root`) the first
   * listed; without a model, the fleet's base model when every replica serves the same ones (vLLM
   * then runs its first). Undefined when that cannot be told.
   */
  engineModel(model: string | undefined): string | undefined;
  /** The /v1/models payload: every served card once, each thinking-capable one followed by its non-thinking row; undefined when nothing is known. */
  listing(): Buffer | undefined;
}

export interface FleetModelsOptions {
  readonly state: FleetState;
  readonly file: ReadonlyMap<string, ModelSettings>;
  readonly explicitProfile: ModelProfileName | undefined;
  readonly contextTokens: number;
  readonly maxOutputTokens: number;
}

export function createFleetModels(o: FleetModelsOptions): FleetModels {
  return {
    check(model, asked) {
      if (!o.state.known()) return;
      if (model === undefined) {
        if (o.state.mixed()) throw new GatewayError('invalid_request', MODEL_REQUIRED);
        return;
      }
      if (o.state.servers(model).length === 0) throw modelNotFound(model, asked);
    },
    servesMany: () => o.state.mixed(),
    engineModel(model) {
      if (model === undefined) {
        if (!o.state.known() || o.state.mixed()) return undefined;
        return o.state.cards().find((c) => typeof c.raw.parent !== 'string')?.id;
      }
      const card = o.state.card(model);
      if (card === undefined) return model;
      // Names are one engine only where the same replicas list both: `root` is a path on each
      // replica, which replicas of different models may share (`--model /mnt/models`).
      const servers = new Set(o.state.servers(model));
      const sameReplicas = (other: string): boolean => {
        const theirs = o.state.servers(other);
        return theirs.length === servers.size && theirs.every((r) => servers.has(r));
      };
      const parent = card.raw.parent;
      if (typeof parent === 'string' && o.state.card(parent) !== undefined && sameReplicas(parent)) return parent;
      const root = card.raw.root;
      if (typeof root !== 'string') return model;
      return o.state.cards().find((c) => c.raw.root === root && typeof c.raw.parent !== 'string' && sameReplicas(c.id))?.id ?? model;
    },
    routesBetween: (model) => {
      const servers = model === undefined ? undefined : o.state.servers(model);
      return (servers !== undefined && servers.length > 0 ? servers.length : o.state.states().length) > 1;
    },
    settings(model) {
      const f = model === undefined ? undefined : o.file.get(model);
      const detected = model === undefined ? undefined : o.state.card(model)?.maxModelLen;
      return {
        profile: f?.profile ?? resolveProfile(o.explicitProfile, model),
        // The engine takes no more than its max_model_len; a smaller global window still applies.
        contextTokens: f?.contextTokens ?? Math.min(detected ?? Infinity, o.contextTokens),
        maxOutputTokens: f?.maxOutputTokens ?? o.maxOutputTokens,
      };
    },
    listing() {
      if (!o.state.known()) return undefined;
      const cards = o.state.cards();
      const ids = new Set(cards.map((c) => c.id));
      const data: JsonObject[] = [];
      let added = false;
      for (const c of cards) {
        data.push(c.raw as JsonObject);
        const id = c.id + NONTHINKING_SUFFIX;
        const profile = o.file.get(c.id)?.profile ?? resolveProfile(o.explicitProfile, c.id);
        if (isThinkingCapable(profile) && !ids.has(id)) {
          data.push({ ...(c.raw as JsonObject), id });
          added = true;
        }
      }
      // One backend's listing with nothing added goes out as its bytes.
      const listed = o.state.states().filter((s) => s.listing !== undefined);
      const only = listed[0];
      const same = (s: (typeof listed)[number]): boolean =>
        s.models?.length === only?.models?.length && s.models?.every((c, i) => c.id === only?.models?.[i]?.id && c.maxModelLen === only?.models?.[i]?.maxModelLen) === true;
      if (!added && only !== undefined && listed.every(same)) {
        return only.listing;
      }
      return Buffer.from(JSON.stringify({ object: 'list', data }));
    },
  };
}
