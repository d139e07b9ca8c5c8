/**
 * Limit counters in Redis, shared by every gateway using it: one Lua script checks and counts
 * a request atomically, another settles it. Windows and budgets are plain keys with an expiry;
 * concurrency is a sorted set of leases (request id → deadline), so a crashed gateway's
 * requests stop counting when their lease runs out. Keys carry the key id in braces so one
 * key's counters share a cluster slot.
 */
import { Redis, ReplyError } from 'ioredis';
import { LEASE_MS, leaseSlots, utcMonth, WINDOW_MS, windowStart, type AdmitPlan, type AdmitResult, type LimitName, type SettlePlan } from '../../core/limits.js';
import type { CounterStore } from './memory-counters.js';

// KEYS: rpm, tpm, conc, day, month. ARGV: now, rpm, tpm, charge, conc, requestId, leaseMs,
// daily, monthly, daySeed, monthSeed, windowTtlMs, budgetTtlMs, slots (0 = no limit; seed -1 =
// none). A lease member `<id>*N` takes N slots (core/limits.ts leaseId).
// Returns {code, requests, tokens, inFlight, dayUsed, monthUsed}; code -1 asks for the seeds.
const ADMIT = `
local now = tonumber(ARGV[1])
local rpm, tpm, charge, conc = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local daily, monthly = tonumber(ARGV[8]), tonumber(ARGV[9])
local daySeed, monthSeed = tonumber(ARGV[10]), tonumber(ARGV[11])
-- A budget counter seen for the first time starts from the usage already counted (its seed).
local function budget(key, seed)
  local v = redis.call('GET', key)
  if not v then
    if seed < 0 then return nil end
    redis.call('SET', key, seed, 'PX', ARGV[13], 'NX')
    v = redis.call('GET', key)
  end
  return tonumber(v)
end
local dayUsed, monthUsed = 0, 0
if daily > 0 then
  dayUsed = budget(KEYS[4], daySeed)
  if not dayUsed then return {-1} end
end
if monthly > 0 then
  monthUsed = budget(KEYS[5], monthSeed)
  if not monthUsed then return {-1} end
end
local requests, tokens, inflight = 0, 0, 0
if rpm > 0 then requests = tonumber(redis.call('GET', KEYS[1]) or '0') end
if tpm > 0 then tokens = tonumber(redis.call('GET', KEYS[2]) or '0') end
local slots = tonumber(ARGV[14])
local function weight(m)
  return tonumber(string.match(m, '%*(%d+)$')) or 1
end
if conc > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  for _, m in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do inflight = inflight + weight(m) end
end
local code = 0
if daily > 0 and dayUsed >= daily then code = 4
elseif monthly > 0 and monthUsed >= monthly then code = 5
elseif rpm > 0 and requests >= rpm then code = 1
elseif tpm > 0 and tokens > 0 and tokens + charge > tpm then code = 2
elseif conc > 0 and inflight > 0 and inflight + slots > conc then code = 3 end
if code == 0 then
  if rpm > 0 then
    requests = redis.call('INCR', KEYS[1])
    redis.call('PEXPIRE', KEYS[1], ARGV[12])
  end
  if tpm > 0 then
    tokens = redis.call('INCRBY', KEYS[2], charge)
    redis.call('PEXPIRE', KEYS[2], ARGV[12])
  end
  if conc > 0 then
    redis.call('ZADD', KEYS[3], now + tonumber(ARGV[7]), ARGV[6])
    redis.call('PEXPIRE', KEYS[3], ARGV[7])
    inflight = inflight + slots
  end
end
return {code, requests, tokens, inflight, dayUsed, monthUsed}
`;

// KEYS: tpm (of the admission's window), conc, day, month. ARGV: correction, requestId, used.
// Counters that expired meanwhile are not brought back.
const SETTLE = `
local delta, used = tonumber(ARGV[1]), tonumber(ARGV[3])
if delta ~= 0 and redis.call('EXISTS', KEYS[1]) == 1 then
  local v = redis.call('INCRBY', KEYS[1], delta)
  if v < 0 then redis.call('SET', KEYS[1], 0, 'KEEPTTL') end
end
redis.call('ZREM', KEYS[2], ARGV[2])
if used > 0 then
  if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('INCRBY', KEYS[3], used) end
  if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('INCRBY', KEYS[4], used) end
end
return 0
`;

// KEYS: day, month. ARGV: their seeds. A counter that exists is raised to its seed, never lowered
// (it holds what running gateways admitted and have not committed); one that does not is left to
// the next admission to seed.
const RAISE = `
for i = 1, 2 do
  local v = redis.call('GET', KEYS[i])
  if v and tonumber(v) < tonumber(ARGV[i]) then redis.call('SET', KEYS[i], ARGV[i], 'KEEPTTL') end
end
return 0
`;

const CODES: readonly (LimitName | undefined)[] = [undefined, 'rpm', 'tpm', 'concurrency', 'daily', 'monthly'];
/** Budget counters outlive their day or month by a margin; the key names carry the period. */
const BUDGET_TTL_MS = 35 * 86_400_000;

type ScriptedRedis = Redis & {
  worvAdmit(...args: (string | number)[]): Promise<number[]>;
  worvSettle(...args: (string | number)[]): Promise<number>;
  worvRaise(...args: (string | number)[]): Promise<number>;
};

export interface RedisCountersOptions {
  readonly url: string;
  /** Key prefix (tests isolate with it). */
  readonly prefix: string;
  readonly onError: (err: Error) => void;
}

export function createRedisCounters(opts: RedisCountersOptions): CounterStore {
  const client = new Redis(opts.url, {
    lazyConnect: false,
    // Fail fast while disconnected: the caller decides (fail open or 503), nothing queues.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    commandTimeout: 1000,
  }) as ScriptedRedis;
  let lastError: Error | undefined;
  client.on('error', (err: Error) => {
    lastError = err;
    opts.onError(err);
  });
  client.on('ready', () => (lastError = undefined));
  // A Redis that stalls keeps its connection 'ready': a command that timed out, with none answered
  // since, says it does not answer. The health check pings it to learn when it does again.
  let stalled: Error | undefined;
  let pinging = false;
  const answered = <T>(p: Promise<T>): Promise<T> =>
    p.then(
      (v) => {
        stalled = undefined;
        return v;
      },
      (err: unknown) => {
        if (err instanceof Error && err.message === 'Command timed out') stalled = err;
        throw err;
      },
    );
  const ready = new Promise<void>((resolve) => {
    client.once('ready', () => resolve());
    client.once('error', () => resolve());
  });
  client.defineCommand('worvAdmit', { numberOfKeys: 5, lua: ADMIT });
  client.defineCommand('worvSettle', { numberOfKeys: 4, lua: SETTLE });
  client.defineCommand('worvRaise', { numberOfKeys: 2, lua: RAISE });
  const base = (keyId: string): string => `${opts.prefix}lim:{${keyId}}:`;
  const keys = (keyId: string, window: number, day: string): string[] => {
    const b = base(keyId);
    return [`${b}rpm:${window}`, `${b}tpm:${window}`, `${b}conc`, `${b}d:${day}`, `${b}m:${utcMonth(day)}`];
  };
  const n = (v: number | null): number => v ?? 0;
  return {
    async admit(p: AdmitPlan): Promise<AdmitResult> {
      const l = p.limits;
      const r = await answered(client.worvAdmit(
        ...keys(p.keyId, windowStart(p.now), p.day),
        p.now,
        n(l.rpm),
        n(l.tpm),
        p.charge,
        n(l.concurrency),
        p.requestId,
        LEASE_MS,
        n(l.dailyTokens),
        n(l.monthlyTokens),
        p.seed?.day ?? -1,
        p.seed?.month ?? -1,
        2 * WINDOW_MS,
        BUDGET_TTL_MS,
        p.slots,
      ));
      const [code = 0, requests = 0, tokens = 0, inFlight = 0, dayUsed = 0, monthUsed = 0] = r;
      if (code === -1) return { kind: 'seed' };
      const counted = { requests, tokens, inFlight, dayUsed, monthUsed };
      const limit = CODES[code];
      return limit === undefined ? { kind: 'ok', ...counted } : { kind: 'limited', limit, ...counted };
    },
    async settle(p: SettlePlan): Promise<void> {
      const [, tpm, conc, day, month] = keys(p.keyId, p.window, p.day);
      const l = p.limits;
      await answered(client.worvSettle(
        l.tpm !== null ? (tpm as string) : `${base(p.keyId)}none`,
        conc as string,
        l.dailyTokens !== null ? (day as string) : `${base(p.keyId)}none`,
        l.monthlyTokens !== null ? (month as string) : `${base(p.keyId)}none`,
        l.tpm !== null ? p.used - p.charge : 0,
        p.requestId,
        p.used,
      ));
    },
    async forgetBudgets(keyId, day) {
      const [, , , d, m] = keys(keyId, 0, day);
      await answered(client.del(d as string, m as string));
    },
    async raiseBudgets(keyId, day, seed) {
      const [, , , d, m] = keys(keyId, 0, day);
      await answered(client.worvRaise(d as string, m as string, seed.day, seed.month));
    },
    async renew(keyId, requestIds, until) {
      const conc = `${base(keyId)}conc`;
      const scored: (string | number)[] = [];
      for (const id of requestIds) scored.push(until, id);
      // GT: a lease only ever moves later. Not XX: a slot Redis lost (a restart without its data)
      // is put back while its request runs. A slot given back is never renewed: the lease is
      // dropped (lease-renewal.ts) before its settle is sent, on this same connection.
      await answered(client.multi().call('ZADD', conc, 'GT', ...scored).pexpire(conc, LEASE_MS).exec());
    },
    async inFlight(keyId, now) {
      const held = await answered(client.zrangebyscore(`${base(keyId)}conc`, `(${now}`, '+inf'));
      return held.reduce((n, id) => n + leaseSlots(id), 0);
    },
    ready: () => ready,
    health() {
      const connected = client.status === 'ready';
      if (connected && stalled !== undefined && !pinging) {
        pinging = true;
        void answered(client.ping())
          .catch(() => undefined)
          .finally(() => (pinging = false));
      }
      const reachable = connected && stalled === undefined;
      return {
        reachable,
        error: reachable ? null : connected ? 'commands time out after 1 s' : (lastError?.message ?? `not connected (${client.status})`),
        refused: !connected && lastError instanceof (ReplyError as typeof Error),
      };
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
