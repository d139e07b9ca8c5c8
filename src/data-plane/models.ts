/**
 * GET /v1/models: the backend's payload verbatim, plus a synthetic
 * `<model>-nonthinking` card when the live model's thinking profile can switch thinking off.
 * A backend answer other than 200 is 502 `Backend unavailable`.
 */
import type { IncomingMessage } from 'node:http';
import type { ModelProfileName } from '../core/config.js';
import { GatewayError } from '../core/errors.js';
import { isJsonObject, tryParseJson, utf8Text, type JsonValue } from '../core/json.js';
import { MSG } from '../core/messages.js';
import type { Exchange } from './exchange.js';
import { anthropicModel, anthropicModelPage } from './dialects/anthropic-models.js';
import { modelNotFound, NONTHINKING_SUFFIX, type FleetModels } from './fleet.js';
import { hasNonThinkingSuffix, stripNonThinkingSuffix } from './transforms/alias-model.js';
import { isThinkingCapable, resolveProfile } from './transforms/thinking-profiles.js';
import type { BackendProbe } from './upstream/backend-probe.js';
import type { Upstream } from './upstream/client.js';
import { classifyFailure, type FailureClass } from './upstream/failures.js';
import { responseHeaders } from './upstream/headers.js';
import type { CallFacts } from './upstream/replicas.js';

export interface ModelsDeps {
  /** The union of the backends' listings, when known (else the backend's answer is relayed). */
  readonly fleet: FleetModels;
  readonly upstream: Upstream;
  readonly probe: BackendProbe;
  readonly explicitProfile: ModelProfileName | undefined;
  readonly requestHeaders: (rawHeaders: readonly string[]) => string[];
  readonly timeoutMs: number;
  /** The client-facing error for a failed backend call. */
  readonly failureError: (failure: FailureClass) => GatewayError;
  /** The backend refused the gateway's VLLM_API_KEY (logged once a minute, as for a relayed request). */
  /** The served name a client's model string is forwarded as (the alias rules; docs/shaping.md). */
  readonly resolve: (model: string) => string;
}

/**
 * The payload with the synthetic card appended after the live (first) model's card, or
 * undefined when nothing is to be added (the bytes are then relayed untouched).
 */
export function withNonThinkingRow(payload: JsonValue, explicitProfile: ModelProfileName | undefined): JsonValue | undefined {
  if (!isJsonObject(payload) || !Array.isArray(payload.data)) return undefined;
  const live = payload.data[0];
  if (!isJsonObject(live) || typeof live.id !== 'string') return undefined;
  if (!isThinkingCapable(resolveProfile(explicitProfile, live.id))) return undefined;
  const id = live.id + NONTHINKING_SUFFIX;
  if (payload.data.some((m) => isJsonObject(m) && m.id === id)) return undefined;
  return { ...payload, data: [...payload.data, { ...live, id }] };
}

const MODELS_FACTS: CallFacts = Object.freeze({ purpose: 'models', endpoint: 'models' });

async function fetchModels(req: IncomingMessage, deps: ModelsDeps, path: string): Promise<{ status: number; headers: string[]; body: Buffer }> {
  try {
    const res = await deps.upstream.fetch({
      method: 'GET',
      path,
      headers: deps.requestHeaders(req.rawHeaders),
      body: undefined,
      readTimeoutMs: deps.timeoutMs,
      facts: MODELS_FACTS,
    });
    return { status: res.status, headers: responseHeaders(res.headers), body: res.body };
  } catch (err) {
    throw deps.failureError(classifyFailure(err));
  }
}

/** Whether a scope admits a listed model: as for a request, a `-nonthinking` card is its base model. */
function admits(allowed: readonly string[], id: string): boolean {
  return allowed.includes(stripNonThinkingSuffix(id));
}

/** The listing with only the models a scoped key may use. */
function onlyAllowed(payload: JsonValue, allowed: readonly string[]): JsonValue | undefined {
  if (!isJsonObject(payload) || !Array.isArray(payload.data)) return undefined;
  return { ...payload, data: payload.data.filter((m) => isJsonObject(m) && typeof m.id === 'string' && admits(allowed, m.id)) };
}

/** Copied for each answer: the writer appends the length to the array it is given. */
const JSON_HEADERS: readonly string[] = ['content-type', 'application/json'];

/**
 * Serves GET /v1/models for an authenticated key, or with `modelId` GET /v1/models/{id} (what
 * the SDKs' `models.retrieve` asks): that model's card from the same listing, or 404 for a model
 * that is not in it (or outside the key's scope).
 */
export async function serveModels(x: Exchange, keyId: string, deps: ModelsDeps, allowed: readonly string[] | null = null, modelId?: string): Promise<void> {
  const anthropic = x.route?.surface === 'anthropic';
  // Anthropic's paging parameters are the gateway's to read, not vLLM's.
  const listed = await listModels(x, keyId, deps, allowed, modelId === undefined && !anthropic ? (x.route?.target ?? '/v1/models') : '/v1/models');
  if (listed === undefined) return;
  if (modelId === undefined && !anthropic) {
    await x.sendWhole(keyId, 200, listed.headers, listed.body);
    return;
  }
  const payload = tryParseJson(utf8Text(listed.body));
  const cards: readonly JsonValue[] = isJsonObject(payload) && Array.isArray(payload.data) ? payload.data : [];
  if (modelId === undefined) {
    const query = new URLSearchParams((x.req.url ?? '').split('?')[1] ?? '');
    await x.sendWhole(keyId, 200, [...JSON_HEADERS], Buffer.from(JSON.stringify(anthropicModelPage(cards, query))));
    return;
  }
  const find = (id: string): JsonValue | undefined => cards.find((m) => isJsonObject(m) && m.id === id);
  // The card of the model the name's requests go to (the alias rules: a `claude-*` name, another
  // spelling, any name under rewrite-all), so a client that looks its model up first can use it;
  // a listed name the rules leave alone is its own card.
  const served = deps.resolve(modelId);
  const card = (hasNonThinkingSuffix(modelId) ? find(`${served}-nonthinking`) : undefined) ?? find(served) ?? find(modelId);
  if (card === undefined) throw modelNotFound(modelId);
  await x.sendWhole(keyId, 200, [...JSON_HEADERS], Buffer.from(JSON.stringify(anthropic && isJsonObject(card) ? anthropicModel(card) : card)));
}

/** The listing the key may see; undefined when the backend failed (already answered). */
/** `path`: the client's own for the list; `/v1/models` for one model (vLLM has no route for it). */
async function listModels(x: Exchange, keyId: string, deps: ModelsDeps, allowed: readonly string[] | null, path: string): Promise<{ headers: string[]; body: Buffer } | undefined> {
  const union = deps.fleet.listing();
  if (union !== undefined) {
    const scoped = allowed === null ? undefined : onlyAllowed(tryParseJson(utf8Text(union)) ?? {}, allowed);
    return { headers: [...JSON_HEADERS], body: scoped === undefined ? union : Buffer.from(JSON.stringify(scoped)) };
  }
  let fetched: { status: number; headers: string[]; body: Buffer };
  try {
    fetched = await fetchModels(x.req, deps, path);
  } catch (err) {
    await x.failWhole(keyId, err instanceof GatewayError ? err : new GatewayError('upstream_error', MSG.backendRequestFailed));
    return undefined;
  }
  if (fetched.status !== 200) {
    const refused = fetched.status === 401 || fetched.status === 403;
    await x.failWhole(keyId, refused ? new GatewayError('upstream_auth', MSG.backendRefusedCredentials) : new GatewayError('upstream_error', MSG.backendUnavailable));
    return undefined;
  }
  let body = fetched.body;
  const payload = tryParseJson(utf8Text(body));
  if (payload !== undefined) {
    deps.probe.observe(payload);
    const augmented = withNonThinkingRow(payload, deps.explicitProfile);
    const listed = allowed === null ? augmented : onlyAllowed(augmented ?? payload, allowed);
    if (listed !== undefined) body = Buffer.from(JSON.stringify(listed));
  }
  return { headers: fetched.headers, body };
}
