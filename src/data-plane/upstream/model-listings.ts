/**
 * The models each replica lists on `GET /v1/models`, read into cards, and the index requests
 * look models up in (which replicas serve a model, its card, whether the fleet is mixed).
 */
import { isJsonObject, tryParseJson, utf8Text } from '../../core/json.js';
import type { Replica } from './replicas.js';

/** A model card as a replica lists it. */
export interface ModelCard {
  readonly id: string;
  readonly maxModelLen: number | undefined;
  /** The card exactly as listed (what /v1/models relays). */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** The cards of a /v1/models payload. */
export function cardsOf(body: Buffer): ModelCard[] | undefined {
  const payload = tryParseJson(utf8Text(body));
  if (!isJsonObject(payload) || !Array.isArray(payload.data)) return undefined;
  const out: ModelCard[] = [];
  for (const c of payload.data) {
    if (!isJsonObject(c) || typeof c.id !== 'string') continue;
    const len = c.max_model_len;
    out.push({ id: c.id, maxModelLen: typeof len === 'number' && Number.isInteger(len) && len > 0 ? len : undefined, raw: c });
  }
  return out;
}

export const NO_REPLICAS: readonly Replica[] = Object.freeze([]);

/** What requests ask of the listings, built once per change of a listing or of the replicas. */
export interface FleetIndex {
  readonly replicas: readonly Replica[];
  readonly listings: number;
  readonly known: boolean;
  readonly mixed: boolean;
  readonly servers: ReadonlyMap<string, readonly Replica[]>;
  readonly cards: readonly ModelCard[];
  /** Per model, the card of the replica that lists the smallest max_model_len (else the first's). */
  readonly card: ReadonlyMap<string, ModelCard>;
}

/** Indexes the replicas' listings: which serve each model, each card once, whether the fleet is mixed. */
export function indexOf(replicas: readonly Replica[], listings: number, modelsOf: (r: Replica) => readonly ModelCard[] | undefined): FleetIndex {
  const servers = new Map<string, Replica[]>();
  const card = new Map<string, ModelCard>();
  const listed: Set<string>[] = [];
  for (const r of replicas) {
    const models = modelsOf(r);
    if (models === undefined) continue;
    const ids = new Set<string>();
    for (const c of models) {
      if (ids.has(c.id)) continue;
      ids.add(c.id);
      // The card with the smallest max_model_len: any replica may serve a request, so the
      // context window the gateway caps to must be one every replica of the model takes.
      const seen = card.get(c.id);
      if (seen === undefined || (c.maxModelLen !== undefined && (seen.maxModelLen === undefined || c.maxModelLen < seen.maxModelLen))) card.set(c.id, c);
      const list = servers.get(c.id);
      if (list === undefined) servers.set(c.id, [r]);
      else list.push(r);
    }
    listed.push(ids);
  }
  return {
    replicas,
    listings,
    known: listed.length > 0,
    mixed: listed.some((ids) => ids.size !== card.size),
    servers,
    cards: [...card.values()],
    card,
  };
}
