/**
 * Anthropic's Models API over the backends' listing: a client that sends `anthropic-version`
 * (Anthropic's SDKs, Claude Code) gets `GET /v1/models` as a page of model objects
 * (`{data:[{type:"model",id,display_name,created_at}],has_more,first_id,last_id}`, paged by
 * `limit`, `after_id` and `before_id`) and `GET /v1/models/{id}` as one model object.
 */
import { GatewayError } from '../../core/errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../core/json.js';

/** Anthropic's default and largest page. */
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

/** Latest `created` (Unix seconds) read as such: one in milliseconds, or past year 9999, is not. */
const MAX_CREATED = 253_402_300_799;

/** The model object of a listed card (`created`, Unix seconds, as `created_at`; the epoch when absent or out of range). */
export function anthropicModel(card: JsonObject): JsonObject {
  const c = card.created;
  const created = typeof c === 'number' && c >= 0 && c <= MAX_CREATED ? c : 0;
  return { type: 'model', id: card.id ?? null, display_name: card.id ?? null, created_at: new Date(created * 1000).toISOString().replace('.000Z', 'Z') };
}

function pageLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_LIMIT;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_LIMIT) throw new GatewayError('invalid_request', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  return n;
}

/** One page of the listed cards, in the listing's order; 400 for a bad `limit`. */
export function anthropicModelPage(cards: readonly JsonValue[], query: URLSearchParams): JsonObject {
  const models = cards.filter(isJsonObject).map(anthropicModel);
  const limit = pageLimit(query.get('limit'));
  const after = query.get('after_id');
  const before = query.get('before_id');
  let from = 0;
  let to = models.length;
  const at = (id: string): number => models.findIndex((m) => m.id === id);
  if (before !== null) {
    to = Math.max(0, at(before));
    from = Math.max(0, to - limit);
  } else if (after !== null) {
    const i = at(after);
    from = i === -1 ? models.length : i + 1;
  }
  const data = before !== null ? models.slice(from, to) : models.slice(from, Math.min(to, from + limit));
  const more = before !== null ? from > 0 : from + data.length < models.length;
  return { data, has_more: more, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null };
}
