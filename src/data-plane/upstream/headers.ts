/**
 * Header forwarding rules (docs/data-plane.md). Upstream: everything but `host`, `x-api-key`,
 * `authorization`, `transfer-encoding`, plus the backend's own `Authorization` from
 * VLLM_API_KEY. Downstream: everything but RESPONSE_DROP. Hop-by-hop headers a client may
 * send (connection, keep-alive, te, upgrade, expect, …, and every header `Connection` names) are
 * connection-scoped and not forwarded, nor are `Cookie` and `Proxy-Authorization`;
 * and content-length is recomputed for the body actually sent.
 */
import type { IncomingHttpHeaders } from 'node:http';

const REQUEST_DROP: ReadonlySet<string> = new Set([
  // credentials meant for the gateway, and framing the client connection owns
  'host', 'x-api-key', 'authorization', 'transfer-encoding',
  // hop-by-hop (RFC 9110 §7.6.1) and what the HTTP client sets itself
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'expect', 'content-length',
  'accept-encoding',
  // the client's credentials for us or for its own proxy, never the backend's business
  'cookie', 'proxy-authorization',
]);

/** The header names a `Connection` value lists (they are hop-by-hop too), lowercased. */
function connectionTokens(rawHeaders: readonly string[]): Set<string> | undefined {
  let names: Set<string> | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue;
    for (const t of (rawHeaders[i + 1] as string).split(',')) {
      const token = t.trim().toLowerCase();
      if (token !== '') (names ??= new Set()).add(token);
    }
  }
  return names;
}

const RESPONSE_DROP: ReadonlySet<string> = new Set([
  // encoding and framing (recomputed by the gateway), hop-by-hop and backend-identifying headers
  // ("trailers" also as the real header name "trailer")
  'content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-authenticate',
  'proxy-authorization', 'te', 'trailers', 'trailer', 'upgrade', 'x-powered-by', 'x-request-id',
  // CORS is the gateway's to answer (server/v1-cors.ts), not the backend's
  'access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers',
]);

/** Builds the upstream header list once per process, given VLLM_API_KEY. */
export function requestHeaderRules(vllmApiKey: string | undefined): (rawHeaders: readonly string[]) => string[] {
  const added: readonly string[] = [
    ...(vllmApiKey !== undefined ? ['authorization', `Bearer ${vllmApiKey}`] : []),
    // The gateway reads bodies and drops content-encoding, so it asks for identity.
    'accept-encoding', 'identity',
  ];
  return (rawHeaders) => {
    const out: string[] = [];
    const named = connectionTokens(rawHeaders);
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i] as string;
      const lower = name.toLowerCase();
      if (!REQUEST_DROP.has(lower) && (named === undefined || !named.has(lower))) out.push(name, rawHeaders[i + 1] as string);
    }
    for (const h of added) out.push(h);
    return out;
  };
}

/**
 * Replaces the caller's W3C trace context in an upstream header list with `trace` (the
 * gateway's span as parent), so the backend's spans hang under the gateway's.
 */
export function replaceTraceContext(headers: string[], trace: readonly string[]): void {
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    const name = (headers[i] as string).toLowerCase();
    if (name === 'traceparent' || name === 'tracestate') headers.splice(i, 2);
  }
  for (const h of trace) headers.push(h);
}

/**
 * The backend's response headers minus RESPONSE_DROP, as a flat [name, value, …] list. A 502 or
 * 504 (a proxy in front of vLLM that lost it or timed out) says `x-should-retry: false`, as the
 * gateway's own do: the request reached the engine, and an SDK's blind retry would run it again.
 * A 429 or 503 (an engine's full queue, one starting) says when to retry, as the gateway's own
 * 503s do: `Retry-After: 1` when it has none (the SDKs would otherwise back off by their own
 * schedule, and other clients read no hint at all). `origin`: the replica that answered.
 */
export function responseHeaders(headers: IncomingHttpHeaders, status = 200, origin?: string): string[] {
  const out: string[] = [];
  if (status >= 429) {
    if ((status === 502 || status === 504) && headers['x-should-retry'] === undefined) out.push('x-should-retry', 'false');
    else if ((status === 429 || status === 503) && headers['retry-after'] === undefined) out.push('retry-after', '1');
  }
  for (const name in headers) {
    if (RESPONSE_DROP.has(name)) continue;
    const v = headers[name];
    if (v === undefined) continue;
    if (typeof v === 'string') out.push(name, v);
    else for (const one of v) out.push(name, one);
  }
  if (status >= 300 && status < 400 && origin !== undefined) relativeLocation(out, origin);
  return out;
}

/**
 * A redirect to the replica's own address (vLLM's answer to a path with a trailing slash) made
 * relative, so a client that follows it comes back through the gateway, not straight to the
 * engine past keys, limits and usage.
 */
function relativeLocation(out: string[], origin: string): void {
  for (let i = 0; i < out.length; i += 2) {
    const v = out[i + 1] as string;
    if (out[i] !== 'location' || !v.toLowerCase().startsWith(origin)) continue;
    const rest = v.slice(origin.length);
    // `//host/x` or `/\host/x` alone would name another host: such a one is left whole.
    if (rest.startsWith('//') || rest.startsWith('/\\')) continue;
    if (rest === '' || rest.startsWith('/') || rest.startsWith('?')) out[i + 1] = rest.startsWith('/') ? rest : `/${rest}`;
  }
}

/** The response's media type, lowercased, without parameters. */
export function mediaType(headers: IncomingHttpHeaders): string {
  const ct = headers['content-type'];
  if (ct === undefined) return '';
  const semi = ct.indexOf(';');
  return (semi === -1 ? ct : ct.slice(0, semi)).trim().toLowerCase();
}
