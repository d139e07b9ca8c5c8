/**
 * Per-key limits: their types, the windows they are counted in and the pure rules of admission
 * (docs/limits.md). Requests and tokens per minute are counted in fixed one-minute windows
 * aligned to the clock; token budgets per UTC day and UTC month, the usage buckets' days;
 * concurrency as leases that a crashed gateway's requests give back when they run out.
 */

export type Priority = 'low' | 'normal' | 'high';
export const PRIORITIES: readonly Priority[] = ['low', 'normal', 'high'];

/** Each a positive integer, or null for no limit. */
export interface KeyLimits {
  readonly rpm: number | null;
  readonly tpm: number | null;
  readonly concurrency: number | null;
  readonly dailyTokens: number | null;
  readonly monthlyTokens: number | null;
}

/** Everything a key's owner may be held to; absent from a key that has none of it. */
export interface KeyPolicy {
  readonly limits: KeyLimits;
  /** Model names after alias rewriting; null = every model. */
  readonly allowedModels: readonly string[] | null;
  /** Epoch ms, or null for never. */
  readonly expiresAt: number | null;
  readonly priority: Priority | null;
}

export const NO_LIMITS: KeyLimits = Object.freeze({ rpm: null, tpm: null, concurrency: null, dailyTokens: null, monthlyTokens: null });

/** Whether a key is past its expiry at `now` (from that instant on, /v1 answers 401 API key expired). */
export function isExpired(policy: KeyPolicy | undefined, now: number): boolean {
  const at = policy?.expiresAt;
  return at !== undefined && at !== null && now >= at;
}

/**
 * Whether an ISO expiry given to a key being created is already reached: such a key would be
 * refused from the start (an update may still set one: that is how a key is made to expire now).
 */
export function expiresAlready(expiresAt: string | null | undefined, now: number): boolean {
  return typeof expiresAt === 'string' && Date.parse(expiresAt) <= now;
}

export function hasCounters(l: KeyLimits): boolean {
  return l.rpm !== null || l.tpm !== null || l.concurrency !== null || l.dailyTokens !== null || l.monthlyTokens !== null;
}

export const WINDOW_MS = 60_000;
/**
 * A concurrency slot in shared counters is a lease: its gateway renews the leases of its
 * requests in flight every LEASE_RENEW_MS, so a slot whose gateway is gone (killed, its host
 * lost) frees itself within LEASE_MS, and a request that runs for hours keeps its slot. Short,
 * so a key whose gateway was killed is not refused long for slots nothing holds; a renewal
 * every LEASE_RENEW_MS, so a counter store away for half a minute (three renewals refused) does
 * not expire running requests' slots.
 */
export const LEASE_MS = 45_000;
export const LEASE_RENEW_MS = 10_000;

/**
 * A request's lease id: its own id, with `*N` after it when it takes N slots (a request for N
 * choices, which the engine runs as N sequences). The weight rides in the id so that every
 * store (the Redis sorted set, the Postgres state, renewals and settles) carries it unchanged.
 */
export function leaseId(requestId: string, slots: number): string {
  return slots > 1 ? `${requestId}*${slots}` : requestId;
}

/** The slots a lease id takes. */
export function leaseSlots(id: string): number {
  const star = id.lastIndexOf('*');
  return star === -1 ? 1 : Number(id.slice(star + 1)) || 1;
}

export function windowStart(now: number): number {
  return now - (now % WINDOW_MS);
}

/** `YYYY-MM-DD` and `YYYY-MM` of an instant, UTC. */
export function utcMonth(day: string): string {
  return day.slice(0, 7);
}

/** Start of the next UTC day. */
export function nextDayStart(now: number): number {
  return (Math.floor(now / 86_400_000) + 1) * 86_400_000;
}

/** Start of the next UTC month. */
export function nextMonthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export type LimitName = 'rpm' | 'tpm' | 'concurrency' | 'daily' | 'monthly';

/** One request's admission, as every counter store sees it. */
export interface AdmitPlan {
  readonly keyId: string;
  readonly requestId: string;
  readonly now: number;
  readonly day: string;
  readonly limits: KeyLimits;
  /** Tokens charged to the minute's window now (input estimate + output cap). */
  readonly charge: number;
  /** Concurrency slots it takes: the sequences the engine runs for it (`leaseSlots(requestId)`). */
  readonly slots: number;
  /** The key's usage today and this month from the usage store, when the counters asked for it. */
  readonly seed?: BudgetSeed;
}

/** The counters after the decision (after counting this request when admitted). */
export interface Counted {
  readonly requests: number;
  readonly tokens: number;
  readonly inFlight: number;
  readonly dayUsed: number;
  readonly monthUsed: number;
}

export type AdmitResult =
  | ({ readonly kind: 'ok' } & Counted)
  | ({ readonly kind: 'limited'; readonly limit: LimitName } & Counted)
  /** A budget's counter for this day or month does not exist yet: call again with `seed`. */
  | { readonly kind: 'seed' };

/** The end of an admitted request. */
export interface SettlePlan {
  readonly keyId: string;
  readonly requestId: string;
  readonly now: number;
  readonly limits: KeyLimits;
  /** Window and day the request was admitted in, and what it was charged. */
  readonly window: number;
  readonly day: string;
  readonly charge: number;
  /** Tokens it really used (prompt + completion, as metered). */
  readonly used: number;
}

/** A key's counters as one JSON-able value (the in-process and store counters). */
export interface LimitState {
  rpm?: [window: number, count: number];
  tpm?: [window: number, tokens: number];
  leases?: Record<string, number>;
  day?: [day: string, used: number];
  month?: [month: string, used: number];
}

/** Where a key's budget counters start: its tokens used today and this month (usage buckets, plus spooled usage). */
export interface BudgetSeed {
  readonly day: number;
  readonly month: number;
}

/** Raises the key's budget counters of `day` and its month, where kept, to at least `seed`; true when one moved. */
export function raiseBudgetState(s: LimitState, day: string, seed: BudgetSeed): boolean {
  let moved = false;
  if (s.day !== undefined && s.day[0] === day && s.day[1] < seed.day) [s.day[1], moved] = [seed.day, true];
  if (s.month !== undefined && s.month[0] === utcMonth(day) && s.month[1] < seed.month) [s.month[1], moved] = [seed.month, true];
  return moved;
}

/** Admission on a key's state (mutated when admitted). Same rules as the Redis script. */
export function admitState(s: LimitState, p: AdmitPlan): AdmitResult {
  const l = p.limits;
  const win = windowStart(p.now);
  const month = utcMonth(p.day);
  if ((l.dailyTokens !== null && s.day?.[0] !== p.day) || (l.monthlyTokens !== null && s.month?.[0] !== month)) {
    if (p.seed === undefined) return { kind: 'seed' };
    if (l.dailyTokens !== null && s.day?.[0] !== p.day) s.day = [p.day, p.seed.day];
    if (l.monthlyTokens !== null && s.month?.[0] !== month) s.month = [month, p.seed.month];
  }
  const requests = l.rpm !== null && s.rpm?.[0] === win ? s.rpm[1] : 0;
  const tokens = l.tpm !== null && s.tpm?.[0] === win ? s.tpm[1] : 0;
  let inFlight = 0;
  if (l.concurrency !== null && s.leases !== undefined) {
    for (const [id, until] of Object.entries(s.leases)) {
      if (until <= p.now) delete s.leases[id];
      else inFlight += leaseSlots(id);
    }
  }
  const dayUsed = l.dailyTokens !== null ? (s.day?.[1] ?? 0) : 0;
  const monthUsed = l.monthlyTokens !== null ? (s.month?.[1] ?? 0) : 0;
  const limit = firstExceeded(l, { requests, tokens, inFlight, dayUsed, monthUsed }, p.charge, p.slots);
  if (limit !== undefined) return { kind: 'limited', limit, requests, tokens, inFlight, dayUsed, monthUsed };
  if (l.rpm !== null) s.rpm = [win, requests + 1];
  if (l.tpm !== null) s.tpm = [win, tokens + p.charge];
  if (l.concurrency !== null) (s.leases ??= {})[p.requestId] = p.now + LEASE_MS;
  return {
    kind: 'ok',
    requests: requests + (l.rpm !== null ? 1 : 0),
    tokens: tokens + (l.tpm !== null ? p.charge : 0),
    inFlight: inFlight + (l.concurrency !== null ? p.slots : 0),
    dayUsed,
    monthUsed,
  };
}

/**
 * Which limit refuses the request, budgets first (they last longest). A request is charged
 * to the minute only when its charge fits in what is left, except in an empty minute (a charge
 * larger than the whole limit still runs, alone, rather than never), and takes its `slots` only
 * when they fit beside the ones held (admission refuses more slots than the whole limit before
 * counting: the client chose them).
 */
export function firstExceeded(l: KeyLimits, c: Counted, charge: number, slots: number): LimitName | undefined {
  if (l.dailyTokens !== null && c.dayUsed >= l.dailyTokens) return 'daily';
  if (l.monthlyTokens !== null && c.monthUsed >= l.monthlyTokens) return 'monthly';
  if (l.rpm !== null && c.requests >= l.rpm) return 'rpm';
  if (l.tpm !== null && c.tokens > 0 && c.tokens + charge > l.tpm) return 'tpm';
  if (l.concurrency !== null && c.inFlight > 0 && c.inFlight + slots > l.concurrency) return 'concurrency';
  return undefined;
}

/** Moves the leases of `requestIds` still held to `until`; true when one moved. A slot given back is not taken again. */
export function renewState(s: LimitState, requestIds: readonly string[], until: number): boolean {
  const leases = s.leases;
  if (leases === undefined) return false;
  let changed = false;
  for (const id of requestIds) {
    const held = leases[id];
    if (held !== undefined && held < until) {
      leases[id] = until;
      changed = true;
    }
  }
  return changed;
}

/** The end of a request on a key's state: tokens corrected, slot given back, budgets charged. */
export function settleState(s: LimitState, p: SettlePlan): void {
  const l = p.limits;
  if (l.tpm !== null && s.tpm?.[0] === p.window) s.tpm[1] = Math.max(0, s.tpm[1] + p.used - p.charge);
  if (l.concurrency !== null && s.leases !== undefined) delete s.leases[p.requestId];
  if (p.used > 0) {
    if (l.dailyTokens !== null && s.day?.[0] === p.day) s.day[1] += p.used;
    if (l.monthlyTokens !== null && s.month?.[0] === utcMonth(p.day)) s.month[1] += p.used;
  }
}

/**
 * The policy a key is served with when every key without a concurrency limit of its own runs
 * at most `concurrency` requests at once (PROXY_DEFAULT_CONCURRENCY; 0 = no default): its own
 * limit wins, even a higher one.
 */
export function withDefaultConcurrency(policy: KeyPolicy | undefined, concurrency: number): KeyPolicy | undefined {
  if (concurrency <= 0 || (policy !== undefined && policy.limits.concurrency !== null)) return policy;
  const limits = Object.freeze({ ...(policy?.limits ?? NO_LIMITS), concurrency });
  return Object.freeze({ limits, allowedModels: policy?.allowedModels ?? null, expiresAt: policy?.expiresAt ?? null, priority: policy?.priority ?? null });
}
