/**
 * The /v1 request's life, top to bottom (ARCHITECTURE.md):
 * guard → authenticate → parse → shape → upstream → respond → account.
 * Every stage throws GatewayError; routes.ts renders it once, in the endpoint's dialect.
 * Upstream, respond and account run in exchange.ts, driven by the backend's answer.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../core/errors.js';
import { MSG } from '../core/messages.js';
import { topLevelString, withoutBom } from '../core/json-bytes.js';
import { admitRequest, checkExpiry, checkModel, sequences, withPriority, type AdmissionEnv } from './admission.js';
import { authenticate } from './authenticate.js';
import type { KeyLookup, ProxyRequest, ShapeEffect, Shaper, ShapingConfig } from './context.js';
import { dialectFor } from './dialects/index.js';
import type { Exchange } from './exchange.js';
import type { FairQueue } from './fair-queue.js';
import { checkDeclaredLength, guard } from './guard.js';
import { withInputEstimate, type InputEstimator } from './input-estimate.js';
import { serveModels, type ModelsDeps } from './models.js';
import { checkModelReadable, isShaped, namedModel, parseRequest } from './parse.js';
import { readBody } from './read-body.js';
import { serializeShapedBody } from './serialize-body.js';
import { aliasModel } from './transforms/alias-model.js';
import { capMaxTokens, maxTokensCappedHeader } from './transforms/cap-max-tokens.js';
import { requestStreamUsage } from './transforms/request-stream-usage.js';
import { injectSystemPrompt } from './transforms/system-prompt.js';
import { thinkingMode } from './transforms/thinking-mode.js';
import { streamedLength, Upload } from './upload.js';
import type { FleetModels } from './fleet.js';
import { routeHints } from './upstream/route-hints.js';

/**
 * The request shapers, folded in this order. The full order is alias → thinking → system
 * prompt → cap max_tokens → request stream usage: alias before thinking (the `-nonthinking`
 * suffix is read from the client's model string), capping on the client's payload (the cap
 * reserves 512 tokens for our injection), stream usage last (it only adds stream_options).
 * transforms/shapers-order.test.ts pins the order.
 */
export const SHAPERS: readonly Shaper[] = [aliasModel, thinkingMode, injectSystemPrompt, capMaxTokens, requestStreamUsage];

export interface ShapeOutcome {
  readonly req: ProxyRequest;
  readonly effects: readonly ShapeEffect[];
}

const NO_EFFECTS: readonly ShapeEffect[] = Object.freeze([]);

/** Folds the shapers; a 'rejected' effect stops the fold with 400 and its message. */
export function shape(req: ProxyRequest, cfg: ShapingConfig, shapers: readonly Shaper[] = SHAPERS): ShapeOutcome {
  let current = req;
  let effects: ShapeEffect[] | undefined;
  for (const shaper of shapers) {
    const out = shaper(current, cfg);
    for (const e of out.effects) {
      if (e.kind === 'rejected') throw new GatewayError('invalid_request', e.message, undefined, e.code);
      (effects ??= []).push(e);
    }
    current = out.req;
  }
  return { req: current, effects: effects ?? NO_EFFECTS };
}

/**
 * Response headers announcing what shaping did (one `x-worv-max-tokens-capped:
 * <requested>-><sent>` for the output-budget field, even when a thinking budget was clamped too).
 */
export function effectHeaders(effects: readonly ShapeEffect[]): readonly string[] {
  const capped = maxTokensCappedHeader(effects);
  return capped === undefined ? NO_HEADERS : ['x-worv-max-tokens-capped', capped];
}

const NO_HEADERS: readonly string[] = Object.freeze([]);

/** What the pipeline needs from the data plane, built once at start-up. */
export interface PipelineEnv {
  readonly keys: KeyLookup;
  readonly maxBodyBytes: number;
  readonly requestHeaders: (rawHeaders: readonly string[]) => string[];
  /** The shaping configuration in force (it follows the live model's profile). */
  readonly shapingConfig: (clientModel: string | undefined) => ShapingConfig | Promise<ShapingConfig>;
  /** The backends' models: a request for a model none serves is 404. */
  readonly fleet: FleetModels;
  readonly models: ModelsDeps;
  /** PROXY_TOKENIZE_ESTIMATE=on: the backend's /tokenize count for capping (heuristic otherwise). */
  readonly inputEstimator?: InputEstimator;
  /** PROXY_TOKENIZE_ESTIMATE=on: ask for every capped request; else only when the window would cap it. */
  readonly estimateAlways?: boolean;
  /** Per-key limits (admission.ts); only keys with a policy reach it. */
  readonly admission: AdmissionEnv;
  /** The fair queue, when slots are set for some model (PROXY_REPLICA_SLOTS, the models file). */
  readonly queue?: FairQueue | undefined;
}

function isMultipart(headers: IncomingHttpHeaders): boolean {
  return headers['content-type']?.toLowerCase().startsWith('multipart/') === true;
}

function partsLength(parts: readonly Buffer[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

/** Runs the stages for one request; throws GatewayError for the caller to render. */
export async function runPipeline(x: Exchange, env: PipelineEnv): Promise<void> {
  const req = x.req;
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';

  // 1. guard: traversal and declared body size, before any lookup.
  const route = guard(method, url, req.headers['anthropic-version'] !== undefined);
  x.routed(route);
  checkDeclaredLength(req.headers, env.maxBodyBytes);

  // 2. authenticate: Bearer or x-api-key, through the ≤1 s key cache.
  const key = await authenticate(req.headers, env.keys);
  x.identify(key);
  if (key.inactive === true) throw new GatewayError('unauthorized', MSG.unauthorized);
  const policy = key.policy;
  if (policy !== undefined) checkExpiry(key, env.admission.clock);

  // An unshaped body of a declared, large size goes upstream as it arrives (upload.ts), unless
  // its model must be read first: for a key scoped to models, or to route it in a fleet whose
  // replicas serve different models (a JSON body; a multipart upload keeps streaming).
  const scoped = policy !== undefined && policy.allowedModels !== null;
  const unshaped = !isShaped(route.endpoint) && route.endpoint !== 'models';
  const byModel = unshaped && (scoped || (env.fleet.servesMany() && !isMultipart(req.headers)));
  const streamed = unshaped && !byModel ? streamedLength(req.headers) : undefined;
  if (streamed !== undefined) {
    const headers = env.requestHeaders(req.rawHeaders);
    headers.push('content-length', String(streamed));
    const unparsed = { endpoint: route.endpoint, facts: undefined, body: undefined };
    const extraHeaders = policy === undefined ? undefined : (await admitRequest(x, { ...key, policy }, route.surface, unparsed, env.admission)).headers;
    x.forward({ kind: 'upload', method, path: route.target, headers, body: new Upload(req), extraHeaders }, key.id);
    return;
  }

  const raw = await readBody(req, env.maxBodyBytes);
  x.noteBody(raw);
  // What is read as JSON: past a byte-order mark, as vLLM's parser reads it; `raw` is what an
  // unshaped body forwards.
  const readable = raw === undefined ? raw : withoutBom(raw);
  if (route.endpoint === 'models') return serveModels(x, key.id, env.models, policy?.allowedModels ?? null, route.modelId);

  // Other bodies go untouched; only their model is read, when a scope or the fleet needs it.
  if (!isShaped(route.endpoint)) {
    // Only the top-level `model` is read, as bytes: the rest is never parsed nor changed.
    const routeModel = byModel && readable !== undefined ? namedModel(topLevelString(readable, 'model')) : undefined;
    // Embeddings name their model: a body whose model cannot be read is told why, as a shaped one is.
    if (byModel && routeModel === undefined && route.endpoint === 'embeddings') checkModelReadable(readable);
    x.noteModel(routeModel);
    // The key's scope, then a model no backend serves (404), then the counters: a request the
    // gateway refuses itself counts against no limit. Embeddings name their model; other
    // endpoints (a stored response fetched by id…) may not.
    if (policy !== undefined) checkModel(policy, routeModel);
    if (byModel && (routeModel !== undefined || route.endpoint === 'embeddings')) env.fleet.check(routeModel);
    let extraHeaders: readonly string[] | undefined;
    if (policy !== undefined) {
      const unparsed = { endpoint: route.endpoint, facts: undefined, body: undefined };
      extraHeaders = (await admitRequest(x, { ...key, policy }, route.surface, unparsed, env.admission)).headers;
    }
    const hints = routeModel === undefined ? undefined : { model: routeModel, session: undefined, prefix: undefined, previousResponseId: undefined };
    x.forward({ kind: 'opaque', method, path: route.target, headers: env.requestHeaders(req.rawHeaders), body: raw, extraHeaders, route: hints, model: routeModel }, key.id);
    return;
  }

  // 3. parse and 4. shape.
  let client;
  try {
    client = parseRequest(route.endpoint, readable);
  } catch (err) {
    // A body refused for its shape still names its model, so its row and metrics do too.
    if (readable !== undefined) x.noteModel(namedModel(topLevelString(readable, 'model')));
    throw err;
  }
  x.noteModel(client.facts.requestedModel, client.facts.stream);
  const clientModel = client.body.model;
  const shaping = await env.shapingConfig(namedModel(clientModel));
  const parsed = env.inputEstimator === undefined ? client : await withInputEstimate(client, env.inputEstimator, env.estimateAlways === true ? undefined : shaping);
  const shaped = shape(parsed, shaping);
  let json = shaped.req.body;
  let extraHeaders = effectHeaders(shaped.effects);
  // 4b. admission: a key's model scope (on the rewritten model), then a model no backend serves
  // is 404 (after the scope: a key learns nothing of models outside it; before the counters: a
  // request the gateway refuses itself counts against no limit), then counters and priority.
  if (policy !== undefined) checkModel(policy, json.model);
  env.fleet.check(namedModel(json.model), client.facts.requestedModel);
  if (policy !== undefined) {
    const request = { endpoint: route.endpoint, facts: shaped.req.facts, body: json };
    const admitted = await admitRequest(x, { ...key, policy }, route.surface, request, env.admission);
    json = admitted.body ?? json;
    if (admitted.headers.length > 0) extraHeaders = [...extraHeaders, ...admitted.headers];
  } else json = withPriority(undefined, route.endpoint, json);
  // What the fleet's routing reads: model, session, prompt prefix, previous response.
  const hints = routeHints(route.endpoint, req.headers, json, env.fleet.routesBetween);
  // Shapers return the same body when they do not apply: then the client's bytes go as they are;
  // otherwise the members they did not replace are still the client's bytes (serialize-body.ts).
  let body: Buffer | readonly Buffer[];
  if (json === parsed.body && raw !== undefined) body = raw;
  else body = raw === undefined ? Buffer.from(JSON.stringify(json)) : serializeShapedBody(raw, parsed.body, json);

  // 4c. the fair queue: a slot of the model's, or a wait for one (count_tokens holds no engine slot).
  const queueModel = env.queue === undefined || route.endpoint === 'count_tokens' ? undefined : env.fleet.engineModel(namedModel(json.model));
  const ticket = queueModel === undefined ? undefined : env.queue?.enter({ model: queueModel, keyId: key.id, priority: policy?.priority, sequences: sequences(route.endpoint, json) }, x);
  if (ticket?.wait !== undefined) await ticket.wait;

  // 5. upstream, 6. respond, 7. account: driven by the backend's answer (exchange.ts).
  const headers = env.requestHeaders(req.rawHeaders);
  // undici sets the length of a Buffer body itself; a body in parts needs it said.
  if (Array.isArray(body)) headers.push('content-length', String(partsLength(body)));
  x.forward(
    {
      kind: 'shaped',
      method,
      path: route.target,
      headers,
      body,
      json,
      facts: shaped.req.facts,
      route: hints,
      dialect: dialectFor(route.endpoint),
      extraHeaders,
      effects: shaped.effects,
      slot: ticket?.slot,
    },
    key.id,
  );
}
