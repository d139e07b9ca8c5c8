/**
 * The admission stage (docs/limits.md): after authentication, a key's expiry (401); after
 * shaping, its model scope on the rewritten model (403) and its counters (429), checked and
 * counted in one atomic step wherever the counters live. An admitted request gets the
 * rate-limit headers and a settle that runs exactly once when its exchange is over. Keys with
 * no policy never reach this module's counters: the hot path stays as it was.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { isoTime, utcDay } from '../core/clock.js';
import { GatewayError, isGatewayError } from '../core/errors.js';
import { laxInteger, type JsonObject } from '../core/json.js';
import {
  hasCounters,
  leaseId,
  isExpired,
  NO_LIMITS,
  nextDayStart,
  nextMonthStart,
  WINDOW_MS,
  windowStart,
  type AdmitPlan,
  type Counted,
  type KeyLimits,
  type KeyPolicy,
  type LimitName,
  type Priority,
} from '../core/limits.js';
import { MSG } from '../core/messages.js';
import type { Endpoint, KeyPrincipal, LimitCounters, RequestFacts, UsageCounts } from './context.js';
import type { ErrorSurface } from './render-error.js';
import { estimatedInputTokens, maxTokensFields, outputCap } from './transforms/cap-max-tokens.js';

export interface AdmissionEnv {
  readonly counters: LimitCounters;
  readonly clock: Clock;
  /** PROXY_FORWARD_PRIORITY=on: the key's priority goes to vLLM as the body's `priority`. */
  readonly forwardPriority: boolean;
  /** The output cap charged when a request sets none (MAX_OUTPUT_TOKENS). */
  readonly maxOutputTokens: number;
}

/** vLLM's `priority`: lower is scheduled first (`--scheduling-policy priority`); normal is its default 0. */
export const VLLM_PRIORITY: Readonly<Record<Priority, number>> = Object.freeze({ high: -1, normal: 0, low: 1 });

/** Endpoints whose vLLM request accepts `priority`. */
const PRIORITY_ENDPOINTS: ReadonlySet<Endpoint> = new Set<Endpoint>(['chat', 'completions', 'responses']);

/** 401 for a key past its expiry. */
export function checkExpiry(key: KeyPrincipal, clock: Clock): void {
  if (isExpired(key.policy, clock.now())) throw new GatewayError('unauthorized', MSG.keyExpired);
}

/** 403 when the key is scoped to models and `model` (after alias rewriting) is not one of them. */
export function checkModel(policy: KeyPolicy, model: unknown): void {
  const allowed = policy.allowedModels;
  if (allowed !== null && (typeof model !== 'string' || !allowed.includes(model))) {
    throw new GatewayError('forbidden', MSG.modelNotAllowed);
  }
}

/** The tokens charged to the minute at admission: input estimate plus the output cap (per choice). */
export function admissionCharge(facts: RequestFacts | undefined, body: Readonly<JsonObject> | undefined, maxOutputTokens: number): number {
  if (facts === undefined || body === undefined) return 0;
  // The field the engine obeys, not the smaller one: `max_tokens: 1` beside a large
  // `max_completion_tokens` would be charged 1 and generate the large one.
  const cap = outputCap(facts.endpoint, body);
  return estimatedInputTokens(facts) + (cap ?? maxOutputTokens) * sequences(facts.endpoint, body);
}

/**
 * The sequences the engine runs for a request: `n` choices of a chat or completions request,
 * for each prompt of a completions request that sends several (strings, or arrays of token ids).
 * Each generates up to the output cap, and each takes a concurrency slot.
 */
export function sequences(endpoint: Endpoint, body: Readonly<JsonObject> | undefined): number {
  if (body === undefined || (endpoint !== 'chat' && endpoint !== 'completions')) return 1;
  const prompt = endpoint === 'completions' ? body.prompt : undefined;
  const prompts = Array.isArray(prompt) && prompt.length > 1 && (typeof prompt[0] === 'string' || Array.isArray(prompt[0])) ? prompt.length : 1;
  return choiceCount(body.n) * prompts;
}

/**
 * The choices `n` asks for, as vLLM reads it: its request models coerce an integer as text
 * (`"4"`), so one counts as its number here too, or a key could ask for many choices at the
 * price of one. Anything else that is not an integer above 1 is one choice.
 */
function choiceCount(n: unknown): number {
  const v = laxInteger(n);
  return typeof v === 'number' && Number.isInteger(v) && v > 1 ? v : 1;
}

/** What an admitted request carries to its end. */
export interface Admitted {
  /** Response headers (x-ratelimit-* or anthropic-ratelimit-*). */
  readonly headers: readonly string[];
  /** Gives back what admission took, corrected to `usage`; call once. */
  readonly settle: (usage: UsageCounts) => void | Promise<void>;
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * Counts the request against the key's limits; throws 429 (or 503 when the counters are
 * unreachable and the gateway fails closed). Undefined when the key has no counters.
 */
export async function admit(
  key: KeyPrincipal & { readonly policy: KeyPolicy },
  ask: { readonly charge: number; readonly slots: number; readonly endpoint: Endpoint },
  surface: ErrorSurface,
  env: AdmissionEnv,
): Promise<Admitted | undefined> {
  const { charge, slots } = ask;
  const limits = key.policy.limits;
  if (!hasCounters(limits)) return undefined;
  if (limits.concurrency !== null && slots > limits.concurrency) {
    // It could never run within the key's share: refused for good, before anything is counted.
    env.counters.rateLimited(key.id);
    throw new GatewayError(
      'rate_limited',
      `Rate limit exceeded: this request runs ${slots} sequences (choices, for each prompt) and this key runs at most ${limits.concurrency} at once. Lower n, or send fewer prompts in one request.`,
      { 'x-should-retry': 'false' },
      'rate_limit_exceeded',
      'concurrency',
    );
  }
  const now = env.clock.now();
  const concurrent = limits.concurrency === null ? 1 : slots;
  const plan: AdmitPlan = { keyId: key.id, requestId: leaseId(randomUUID(), concurrent), now, day: utcDay(now), limits, charge: limits.tpm === null ? 0 : charge, slots: concurrent };
  let result;
  try {
    const r = env.counters.admit(plan);
    result = r instanceof Promise ? await r : r;
  } catch (err) {
    throw isGatewayError(err) ? err : new GatewayError('limiter_unavailable', MSG.limiterUnavailable);
  }
  if (result.kind === 'seed') throw new GatewayError('limiter_unavailable', MSG.limiterUnavailable);
  const headers = rateLimitHeaders(limits, result, now, surface);
  if (result.kind === 'limited') {
    env.counters.rateLimited(key.id);
    const counts = { charge: plan.charge, counted: result.tokens, slots: plan.slots, inFlight: result.inFlight, capped: maxTokensFields(ask.endpoint).length > 0 };
    throw limitedError(limits, result.limit, now, headers, counts);
  }
  let settled = false;
  return {
    headers,
    settle(usage) {
      if (settled) return;
      settled = true;
      return env.counters.settle({
        keyId: plan.keyId,
        requestId: plan.requestId,
        now: env.clock.now(),
        limits,
        window: windowStart(now),
        day: plan.day,
        charge: plan.charge,
        used: usage.promptTokens + usage.completionTokens,
      });
    },
  };
}

function secondsUntil(t: number, now: number): number {
  return Math.max(1, Math.ceil((t - now) / 1000));
}

/**
 * The refusal of a limit. The per-minute token refusal names the request's charge and the
 * minute's count: a request without a small output cap is charged the whole cap, which can
 * exceed what the rate-limit headers show as remaining.
 */
interface LimitedCounts {
  readonly charge: number;
  readonly counted: number;
  readonly slots: number;
  readonly inFlight: number;
  /** The endpoint has an output cap (`max_tokens`) a client could lower. */
  readonly capped: boolean;
}

function limitedError(l: KeyLimits, limit: LimitName, now: number, headers: readonly string[], counts: LimitedCounts): GatewayError {
  const h: Record<string, string> = {};
  for (let i = 0; i < headers.length; i += 2) h[headers[i] as string] = headers[i + 1] as string;
  const windowEnd = windowStart(now) + WINDOW_MS;
  let message: string;
  let retry: number;
  let code = 'rate_limit_exceeded';
  switch (limit) {
    case 'daily':
    case 'monthly': {
      const reset = limit === 'daily' ? nextDayStart(now) : nextMonthStart(now);
      const amount = limit === 'daily' ? l.dailyTokens : l.monthlyTokens;
      message =
        `${limit === 'daily' ? 'Daily' : 'Monthly'} token budget of ${String(amount)} tokens used up for this key; ` +
        `it resets at ${isoTime(reset)} (start of the next UTC ${limit === 'daily' ? 'day' : 'month'}).`;
      retry = secondsUntil(reset, now);
      code = 'insufficient_quota';
      // The SDKs sleep the whole Retry-After (hours, to the reset) before retrying on their own.
      h['x-should-retry'] = 'false';
      break;
    }
    case 'rpm':
      retry = secondsUntil(windowEnd, now);
      message = `Rate limit exceeded: ${String(l.rpm)} request${l.rpm === 1 ? '' : 's'} per minute for this key. Retry in ${retry} s.`;
      break;
    case 'tpm':
      retry = secondsUntil(windowEnd, now);
      message =
        `Rate limit exceeded: ${String(l.tpm)} token${l.tpm === 1 ? '' : 's'} per minute for this key; this request is charged ${counts.charge} tokens ` +
        `(input estimate${counts.capped ? ' and output cap' : ''}) and ${counts.counted} are counted this minute. ${counts.capped ? 'Lower max_tokens or retry' : 'Retry'} in ${retry} s.`;
      break;
    case 'concurrency':
      retry = 1;
      // A request for n choices runs n sequences on the engine, and takes n slots.
      message =
        counts.slots > 1
          ? `Rate limit exceeded: ${String(l.concurrency)} concurrent sequences for this key; this request runs ${counts.slots} ` +
            `(choices, for each prompt) and ${counts.inFlight} are running. Lower n or retry when one of them ends.`
          : l.concurrency === 1
            ? 'Rate limit exceeded: 1 concurrent request for this key. Retry when it ends.'
            : `Rate limit exceeded: ${String(l.concurrency)} concurrent requests for this key. Retry when one of them ends.`;
      break;
  }
  h['retry-after'] = String(retry);
  return new GatewayError('rate_limited', message, h, code, limit);
}

/** OpenAI's `x-ratelimit-*` or, on /v1/messages, Anthropic's `anthropic-ratelimit-*` headers. */
export function rateLimitHeaders(l: KeyLimits, c: Counted, now: number, surface: ErrorSurface): readonly string[] {
  if (l.rpm === null && l.tpm === null) return NONE;
  const end = windowStart(now) + WINDOW_MS;
  const out: string[] = [];
  const anthropic = surface === 'anthropic';
  const reset = anthropic ? isoTime(end).replace(/\.\d{3}Z$/, 'Z') : `${secondsUntil(end, now)}s`;
  if (l.rpm !== null) {
    const left = String(Math.max(0, l.rpm - c.requests));
    if (anthropic) out.push('anthropic-ratelimit-requests-limit', String(l.rpm), 'anthropic-ratelimit-requests-remaining', left, 'anthropic-ratelimit-requests-reset', reset);
    else out.push('x-ratelimit-limit-requests', String(l.rpm), 'x-ratelimit-remaining-requests', left, 'x-ratelimit-reset-requests', reset);
  }
  if (l.tpm !== null) {
    const left = String(Math.max(0, l.tpm - c.tokens));
    if (anthropic) out.push('anthropic-ratelimit-tokens-limit', String(l.tpm), 'anthropic-ratelimit-tokens-remaining', left, 'anthropic-ratelimit-tokens-reset', reset);
    else out.push('x-ratelimit-limit-tokens', String(l.tpm), 'x-ratelimit-remaining-tokens', left, 'x-ratelimit-reset-tokens', reset);
  }
  return out;
}

/**
 * The body with vLLM's `priority` as the key's (`policy` undefined when PROXY_FORWARD_PRIORITY is
 * off): the gateway owns the member, so a client's own is dropped for a normal key, a key without
 * a policy and with the setting off: sent as it is, it would let that client jump ahead of every key.
 */
export function withPriority(policy: KeyPolicy | undefined, endpoint: Endpoint, body: Readonly<JsonObject>): Readonly<JsonObject> {
  if (!PRIORITY_ENDPOINTS.has(endpoint)) return body;
  const p = policy?.priority ?? null;
  if (p !== null && p !== 'normal') return { ...body, priority: VLLM_PRIORITY[p] };
  if (!Object.prototype.hasOwnProperty.call(body, 'priority')) return body;
  const { priority: _client, ...rest } = body;
  return rest;
}

/**
 * count_tokens generates nothing and takes no engine slot: it counts against requests per
 * minute only, never against the minute's tokens, a budget or concurrency (a client counting
 * its next prompt while its stream holds the key's only slot must not be refused).
 */
export function countTokensLimits(l: KeyLimits): KeyLimits {
  return { ...NO_LIMITS, rpm: l.rpm };
}

/** The part of an exchange admission needs: a hook run beside the usage commit (the settle), or at the end without one. */
export interface Finishable {
  onFinish(fn: (usage: UsageCounts) => void | Promise<void>): void;
}

/**
 * The stage for a key with a policy, once its model scope (checkModel) and the gateway's own
 * refusals have passed: counters, priority. Returns the response headers to add and the body to
 * send (with `priority` when forwarded).
 */
export async function admitRequest(
  x: Finishable,
  key: KeyPrincipal & { readonly policy: KeyPolicy },
  surface: ErrorSurface,
  request: { readonly endpoint: Endpoint; readonly facts: RequestFacts | undefined; readonly body: Readonly<JsonObject> | undefined },
  env: AdmissionEnv,
): Promise<{ headers: readonly string[]; body: Readonly<JsonObject> | undefined }> {
  const policy = key.policy;
  const counted = request.endpoint === 'count_tokens' ? { ...key, policy: { ...policy, limits: countTokensLimits(policy.limits) } } : key;
  // Only a per-minute token limit needs the charge, whose input estimate walks the whole payload.
  const charge = counted.policy.limits.tpm === null ? 0 : admissionCharge(request.facts, request.body, env.maxOutputTokens);
  const admitted = await admit(counted, { charge, slots: sequences(request.endpoint, request.body), endpoint: request.endpoint }, surface, env);
  if (admitted !== undefined) x.onFinish(admitted.settle);
  // Off, a key's priority is not sent, and a client's own is still dropped (the engine may be on priority scheduling).
  const body = request.body === undefined ? undefined : withPriority(env.forwardPriority ? policy : undefined, request.endpoint, request.body);
  return { headers: admitted?.headers ?? NONE, body };
}
