/**
 * A finished /v1 request as a request-log row. Runs when a batch is written, not when the
 * request ends: the outcome carries references to what the request already had (headers, peer,
 * shaping effects, key) and the columns are derived here.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isoTime } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { RequestOutcome } from '../data-plane/context.js';
import { maxTokensCappedHeader } from '../data-plane/transforms/cap-max-tokens.js';
import type { RequestLogInsert } from '../store/request-log.repo.js';
import { trustedPeer } from './trusted-peers.js';

/** A finished request and when it ended (epoch ms). */
export interface LoggedRequest {
  readonly outcome: RequestOutcome;
  readonly endedAt: number;
}

/**
 * Session identities by header, first found wins: Claude Code, Codex (both spellings), Open
 * WebUI's user id. Routing's session (which also reads body fields) is used when none is sent.
 */
const SESSION_HEADERS = ['x-claude-code-session-id', 'session_id', 'session-id', 'x-openwebui-user-id'] as const;

/** Longest header value or path kept (user agents, session ids and paths are short; a hostile one is cut). */
const MAX_HEADER_CHARS = 512;

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s.slice(0, MAX_HEADER_CHARS);
}

/**
 * The client's address as TRUST_PROXY defines it (the same rule Fastify applies on /api): walk
 * X-Forwarded-For from the nearest hop while the hop is a trusted proxy.
 */
export function clientAddress(trustProxy: Config['trustProxy']): (peer: string | undefined, h: IncomingHttpHeaders) => string | undefined {
  const trusted = trustedPeer(trustProxy);
  return (peer, h) => {
    if (peer === undefined) return undefined;
    const xff = header(h, 'x-forwarded-for');
    if (xff === undefined || trustProxy === false) return peer;
    const chain = [peer, ...xff.split(',').map((s) => s.trim()).filter((s) => s !== '').reverse()];
    if (typeof trustProxy === 'number') return chain[Math.min(trustProxy, chain.length - 1)];
    if (trustProxy === true) return chain[chain.length - 1];
    let i = 0;
    while (i < chain.length - 1 && trusted(chain[i]!)) i++;
    return chain[i];
  };
}

/**
 * Postgres `text` refuses U+0000, and one refused row fails its whole batch, retried until the
 * queue drops it: a client's NUL (in a JSON-escaped model name, a body) becomes U+FFFD instead,
 * on every store alike. Applied column by column to the strings that can carry one: a scan per
 * string, no walk over the row's entries and no copy of the row.
 */
function clean(s: string | undefined): string | null {
  if (s === undefined) return null;
  return s.includes('\u0000') ? s.replaceAll('\u0000', '\uFFFD') : s;
}

function text(b: Buffer | undefined): string | null {
  return b === undefined ? null : clean(b.toString('utf8'));
}

/** The row builder for one gateway. */
export function requestLogRow(config: Config): (r: LoggedRequest) => RequestLogInsert {
  const addressOf = clientAddress(config.trustProxy);
  return ({ outcome: o, endedAt }) => {
    const h = o.headers;
    let session: string | undefined;
    for (const name of SESSION_HEADERS) {
      session = header(h, name);
      if (session !== undefined) break;
    }
    let aliased = 0;
    let thinking: string | null = null;
    for (const e of o.effects) {
      if (e.kind === 'model-aliased') aliased = 1;
      else if (e.kind === 'thinking-mode') thinking = e.mode;
    }
    const u = o.usage;
    const b = o.bodies;
    return {
      time: isoTime(Math.round(endedAt - o.durationMs)),
      key_id: clean(o.caller?.id ?? o.keyId),
      key_name: clean(o.caller?.name),
      model: clean(o.requestedModel ?? o.model),
      served_model: clean(o.model),
      endpoint: o.endpoint,
      method: o.method,
      stream: o.stream ? 1 : 0,
      status: o.status,
      result: o.result,
      error: o.error ?? null,
      prompt_tokens: u?.promptTokens ?? null,
      completion_tokens: u?.completionTokens ?? null,
      cached_tokens: u?.cachedTokens ?? null,
      reasoning_tokens: u?.reasoningTokens ?? null,
      usage_estimated: o.usageEstimated ? 1 : 0,
      ttft_ms: o.ttfbMs === undefined ? null : Math.round(o.ttfbMs),
      queued_ms: o.queued === undefined ? null : Math.round(o.queued.ms),
      duration_ms: Math.round(o.durationMs),
      backend: clean(o.backend),
      route: o.route ?? null,
      client_ip: clean(addressOf(o.peer, h)),
      user_agent: clean(header(h, 'user-agent')),
      session_id: clean(session ?? o.session?.slice(0, MAX_HEADER_CHARS)),
      capped: maxTokensCappedHeader(o.effects) ?? null,
      aliased,
      thinking,
      request_body: text(b?.request),
      request_truncated: b?.requestTruncated === true ? 1 : 0,
      response_body: text(b?.response),
      response_truncated: b?.responseTruncated === true ? 1 : 0,
      request_id: o.requestId,
      path: clean(o.path.slice(0, MAX_HEADER_CHARS)),
      error_message: clean(o.errorMessage?.slice(0, MAX_HEADER_CHARS)),
    };
  };
}
