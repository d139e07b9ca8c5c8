/**
 * The data plane's shared types and the ports it declares (KeyLookup, UsageSink, RequestTracer). The
 * composition root (server/app.ts) binds the ports to the store; the data plane never
 * imports store/ itself.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ModelProfileName } from '../core/config.js';
import type { GatewayErrorKind } from '../core/errors.js';
import type { JsonObject } from '../core/json.js';
import type { AdmitPlan, AdmitResult, KeyPolicy, LimitName, SettlePlan } from '../core/limits.js';
import type { RouteReason } from '../shared/backends-contract.js';

/** The /v1 endpoints the gateway understands (everything else is forwarded untouched). */
export type Endpoint = 'chat' | 'completions' | 'responses' | 'messages' | 'count_tokens' | 'embeddings' | 'models' | 'other';

/** Script of the user's messages, for Han-script stripping (docs/shaping.md). */
export type UserScript = 'han' | 'japanese' | 'korean' | 'other';

/** Facts about a request computed once in parse.ts and read by every later stage. */
export interface RequestFacts {
  readonly endpoint: Endpoint;
  readonly stream: boolean;
  /** The client itself asked for streamed usage (`stream_options.include_usage` true). */
  readonly clientAskedForUsage: boolean;
  readonly userScript: UserScript;
  /** Length in UTF-8 bytes of the payload text for the `payloadBytes // 3` input estimate
   *  (`payloadTextBytes` in transforms/payload-text.ts defines the text). */
  readonly payloadBytes: number;
  /** The `model` string exactly as the client sent it (undefined when absent or not a string).
   *  The thinking shaper reads the `-nonthinking` suffix here, after alias has rewritten `model`. */
  readonly requestedModel: string | undefined;
  /** Input tokens counted by the backend's `/tokenize` (PROXY_TOKENIZE_ESTIMATE=on); when set,
   *  capping uses it instead of `payloadBytes // 3`. */
  readonly estimatedInputTokens?: number;
}

/** A parsed, validated request body on a shaped endpoint. */
export interface ProxyRequest {
  readonly facts: RequestFacts;
  readonly body: Readonly<JsonObject>;
}

/** What a shaper did, turned into response headers and one log line. */
export type ShapeEffect =
  | { readonly kind: 'model-aliased'; readonly from: string; readonly to: string }
  | { readonly kind: 'thinking-mode'; readonly mode: 'off' | 'high' | 'max' | 'default'; readonly kwargs: JsonObject }
  | { readonly kind: 'max-tokens-capped'; readonly field: string; readonly requested: number; readonly sent: number }
  | { readonly kind: 'system-prompt-injected'; readonly parts: readonly string[] }
  | { readonly kind: 'stream-usage-requested' }
  /** The request cannot be served as sent (e.g. the input alone overflows the context window):
   *  the fold stops and the pipeline answers 400 invalid_request with this message (and OpenAI's
   *  machine-readable `code`, when there is one). */
  | { readonly kind: 'rejected'; readonly message: string; readonly code?: string };

/** The slice of configuration the shapers read (passed in, never read globally). */
export interface ShapingConfig {
  readonly aliasModel: string | undefined;
  readonly aliasSources: readonly string[];
  readonly aliasRewriteAll: boolean;
  /** Profile in force: from PROXY_MODEL_PROFILE or derived from the live model name. */
  readonly profile: ModelProfileName;
  readonly maxContextTokens: number;
  readonly maxOutputTokens: number;
  readonly stripHan: boolean;
  readonly hanSystemPrompt: string;
  readonly thinkMaxPrefix: string;
}

/** A pure request transform: returns the same `req` object when it does not apply. */
export type Shaper = (req: ProxyRequest, cfg: ShapingConfig) => ShapeResult;

export interface ShapeResult {
  readonly req: ProxyRequest;
  readonly effects: readonly ShapeEffect[];
}

/** The caller behind an API key. */
export interface KeyPrincipal {
  readonly id: string;
  readonly name: string;
  /** Limits, model scope, expiry, priority; undefined for a key with none (no admission work). */
  readonly policy?: KeyPolicy | undefined;
  /** A deactivated key: refused as an unknown one, but its attempts are logged under it. */
  readonly inactive?: true;
}

/**
 * Port: the per-key limit counters (Redis, the store or this process; server/limits/). `admit`
 * rejects only when the counters cannot be reached and the gateway is set to fail closed.
 */
export interface LimitCounters {
  /** Synchronous when the counters are in this process (the hot path of one gateway). */
  admit(plan: AdmitPlan): AdmitResult | Promise<AdmitResult>;
  /**
   * Never throws; failures are reported by the counters. Shared counters return a promise that
   * settles once they took it (or failed to): the response's end waits for it, briefly.
   */
  settle(plan: SettlePlan): void | Promise<void>;
  /** A request refused with 429 (counted per key and day for the console). */
  rateLimited(keyId: string): void;
}

/** No counters configured: none can be reached (keys with limits get 503). */
export const NO_LIMIT_COUNTERS: LimitCounters = {
  admit: () => Promise.reject(new Error('no limit counters configured')),
  settle: () => undefined,
  rateLimited: () => undefined,
};

/** Port: resolve the SHA-256 hash of a presented key to its key (a deactivated one marked `inactive`), or undefined. */
export interface KeyLookup {
  findByHash(keyHash: string): Promise<KeyPrincipal | undefined>;
}

/** Token counts of one request, as the backend reported them. */
export interface UsageCounts {
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Prompt tokens served from the backend's prefix cache (0 when not reported). */
  readonly cachedTokens: number;
  /** Completion tokens spent reasoning (0 when not reported). */
  readonly reasoningTokens: number;
}

/** Port: add one request (and its tokens) to the key's totals and today's bucket. */
export interface UsageSink {
  /**
   * Resolves once committed; the response's end is released only after that. `alone`: no
   * other /v1 request is in flight (a sink that batches may commit at once instead).
   */
  commit(keyId: string, usage: UsageCounts, alone: boolean): Promise<void>;
}

/** How one /v1 request ended, reported once to metrics and the request log. */
export interface RequestOutcome {
  readonly endpoint: Endpoint;
  readonly method: string;
  /** The path the client called, without the query string, as received (not decoded). */
  readonly path: string;
  readonly status: number;
  /** Whole request, from arrival to the end of the response (or the client leaving). */
  readonly durationMs: number;
  /** The gateway's id for the request, sent back in `x-request-id` / `request-id`. */
  readonly requestId: string;
  /**
   * From arrival to the first byte of the backend's response body (a stream's first event, which
   * comes with its first token; the head of an answer without a body); undefined if none came.
   */
  readonly ttfbMs: number | undefined;
  readonly stream: boolean;
  readonly keyId: string | undefined;
  /** The model sent to the backend (after aliasing); undefined when the body named none. */
  readonly model: string | undefined;
  readonly usage: UsageCounts | undefined;
  /** `usage` is the gateway's estimate: a stream that ended without the backend's final usage. */
  readonly usageEstimated: boolean;
  /** complete | aborted by the client | upstream failed (before or after the first byte). */
  readonly result: 'complete' | 'aborted' | 'upstream-error' | 'rejected';
  // The facts below are references to what the request already holds (nothing is computed for
  // them on the hot path); the request log derives its columns from them off the hot path.
  /** The key the request authenticated with, also when it was rejected after that. */
  readonly caller: KeyPrincipal | undefined;
  /** The `model` string as the client sent it (shaped endpoints), before aliasing. */
  readonly requestedModel: string | undefined;
  /** The gateway's error kind when the gateway answered with an error of its own. */
  readonly error: GatewayErrorKind | undefined;
  /** That error's message, as the client got it. */
  readonly errorMessage: string | undefined;
  /** The per-key limit that refused the request (a 429 of the gateway's own). */
  readonly limit: LimitName | undefined;
  /** What went wrong with the backend call behind an upstream error (`UND_ERR_SOCKET: other side closed`), for the log. */
  readonly cause: string | undefined;
  /** Origin of the replica that answered (or last failed). */
  readonly backend: string | undefined;
  /** How the routing chose that replica; undefined when the request was never routed. */
  readonly route: RouteReason | undefined;
  /** The session identity routing read (upstream/route-hints.ts), when there was one. */
  readonly session: string | undefined;
  /** How long the request waited in the gateway's fair queue for a slot, and the model's queue; undefined when it did not wait. */
  readonly queued: { readonly ms: number; readonly model: string } | undefined;
  /** What shaping did (alias, thinking mode, capping, …). */
  readonly effects: readonly ShapeEffect[];
  /** The client's request headers and TCP peer address. */
  readonly headers: IncomingHttpHeaders;
  readonly peer: string | undefined;
  /** The request body and the backend's response bytes, when PROXY_LOG_BODIES=on (bounded). */
  readonly bodies: CapturedBodies | undefined;
}

/** Bodies kept for the request log (PROXY_LOG_BODIES=on): the first bytes of each side. */
export interface CapturedBodies {
  readonly request: Buffer | undefined;
  readonly requestTruncated: boolean;
  readonly response: Buffer | undefined;
  readonly responseTruncated: boolean;
}

/** Port: observes finished requests (Prometheus metrics, structured logs). Must not throw. */
export interface RequestObserver {
  onRequestEnd(outcome: RequestOutcome): void;
}

/** What a request's trace span reads besides its outcome. */
export interface TraceDetails {
  /** The model the backend said answered (response body or stream). */
  readonly responseModel: string | undefined;
  /** The output budget sent to the backend (after capping). */
  readonly maxTokens: number | undefined;
}

/** One request's trace span (server/tracing/). */
export interface RequestSpan {
  /** `traceparent` (and `tracestate`) naming this span, in place of the caller's, for the backend. */
  readonly upstreamHeaders: readonly string[];
  /** Ends the span (once, when the response is over). */
  end(outcome: RequestOutcome, details: TraceDetails): void;
}

/** Port: starts a span per /v1 request, continuing the caller's W3C trace context. Absent when tracing is off. */
export interface RequestTracer {
  start(headers: IncomingHttpHeaders): RequestSpan;
}

/** The status recorded for a request whose client left before any answer (nginx's 499). */
export const CLIENT_CLOSED_REQUEST = 499;
