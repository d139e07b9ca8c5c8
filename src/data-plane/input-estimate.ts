/**
 * The optional exact input estimate (PROXY_TOKENIZE_ESTIMATE=on, docs/shaping.md): before shaping,
 * ask the backend's `POST /tokenize` how many tokens the prompt has, and put the count in
 * `facts.estimatedInputTokens` for capping. Any failure, a slow answer or a backend without
 * /tokenize falls back to the `utf8_bytes(payload_text) // 3` heuristic.
 */
import { isJsonObject, utf8Text } from '../core/json.js';
import type { JsonObject, JsonValue } from '../core/json.js';
import type { ProxyRequest, ShapingConfig } from './context.js';
import { requestFormatFor } from './dialects/index.js';
import { maxTokensFields, windowWouldCap } from './transforms/cap-max-tokens.js';
import type { Upstream } from './upstream/client.js';

/** Longest wait for /tokenize before falling back; it only ever delays a request this much. */
export const TOKENIZE_TIMEOUT_MS = 2000;
/** After a backend answers 404/405/501 (no /tokenize) or fails, ask again only after this. */
export const TOKENIZE_RETRY_AFTER_MS = 60_000;

/** Only requests with an output-budget field are capped, so only they are worth a round trip. */
export function needsEstimate(req: ProxyRequest): boolean {
  return maxTokensFields(req.facts.endpoint).some((f) => req.body[f] !== undefined && req.body[f] !== null);
}

/**
 * The /tokenize body for a request, as its wire format builds it (vLLM's chat form, or the
 * completion form for a string prompt), or undefined when it cannot be expressed.
 */
export function tokenizeBody(req: ProxyRequest): JsonObject | undefined {
  return requestFormatFor(req.facts.endpoint)?.tokenizeBody(req.body);
}

/** Asks the backend for input token counts; `estimate` never rejects. */
export interface InputEstimator {
  /** The prompt's token count, or undefined to use the heuristic. */
  estimate(req: ProxyRequest): Promise<number | undefined>;
}

export interface TokenizeEstimatorOptions {
  readonly upstream: Upstream;
  /** Headers for the backend (its Authorization), as flat name/value pairs. */
  readonly headers: readonly string[];
  readonly timeoutMs?: number;
  readonly retryAfterMs?: number;
  /** Milliseconds clock (injectable for tests). */
  readonly now?: () => number;
}

export function createTokenizeEstimator(opts: TokenizeEstimatorOptions): InputEstimator {
  const timeoutMs = opts.timeoutMs ?? TOKENIZE_TIMEOUT_MS;
  const retryAfterMs = opts.retryAfterMs ?? TOKENIZE_RETRY_AFTER_MS;
  const now = opts.now ?? (() => performance.now());
  let pausedUntil = -Infinity;
  return {
    async estimate(req) {
      if (now() < pausedUntil) return undefined;
      const body = tokenizeBody(req);
      if (body === undefined) return undefined;
      try {
        // The whole exchange, connect and retry included, is bounded: it only ever delays a request this much.
        const res = await opts.upstream.fetch(
          {
            method: 'POST',
            path: '/tokenize',
            headers: [...opts.headers, 'content-type', 'application/json'],
            body: JSON.stringify(body),
            readTimeoutMs: timeoutMs,
            facts: { purpose: 'tokenize', endpoint: req.facts.endpoint, request: req.facts, body: req.body },
          },
          timeoutMs,
        );
        if (res.status === 404 || res.status === 405 || res.status === 501) pausedUntil = now() + retryAfterMs;
        if (res.status !== 200) return undefined;
        const json = JSON.parse(utf8Text(res.body)) as JsonValue;
        const count = isJsonObject(json) ? json.count : undefined;
        return typeof count === 'number' && Number.isInteger(count) && count >= 0 ? count : undefined;
      } catch {
        // Unreachable, slow or not JSON: the heuristic serves this request; pause only on connection trouble.
        pausedUntil = now() + Math.min(retryAfterMs, 5000);
        return undefined;
      }
    },
  };
}

/**
 * The request with `facts.estimatedInputTokens` set when the estimator has a count; else the same
 * request. With `onlyNear` (PROXY_TOKENIZE_ESTIMATE=auto), only a request whose budget the context
 * window would cap or refuse by the heuristic is worth the round trip: the others are capped by
 * MAX_OUTPUT_TOKENS alone, whatever their exact count.
 */
export async function withInputEstimate(req: ProxyRequest, estimator: InputEstimator, onlyNear?: Pick<ShapingConfig, 'maxContextTokens' | 'maxOutputTokens'>): Promise<ProxyRequest> {
  if (!needsEstimate(req)) return req;
  if (onlyNear !== undefined && !windowWouldCap(req, onlyNear)) return req;
  const count = await estimator.estimate(req);
  if (count === undefined) return req;
  // The facts with the count added, reading the rest through the prototype: parse's lazy scans
  // (the user's script) stay lazy, and run at most once for this view.
  const facts = Object.create(req.facts, { estimatedInputTokens: { value: count, enumerable: true } }) as ProxyRequest['facts'];
  return { ...req, facts };
}
