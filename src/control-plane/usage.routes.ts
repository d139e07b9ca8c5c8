/**
 * GET /api/usage?from&to&key_id (spec §4): the per-day, per-key buckets the data plane
 * writes, their totals, per-day sums across keys and per-key sums over the range. Dates are
 * UTC days, inclusive; `to` defaults to today and `from` to 29 days before `to`.
 */
import type { FastifyInstance } from 'fastify';
import { utcDay } from '../core/clock.js';
import { UsageQuery, type UsageCounts, type UsageDailyTotal, type UsageKeyTotal, type UsageResponse } from '../shared/api-contract.js';
import { listApiKeys } from '../store/api-keys.repo.js';
import { queryUsage } from '../store/usage.repo.js';
import type { RouteDeps } from './deps.js';
import { parseOr400 } from './parse.js';

const DEFAULT_RANGE_DAYS = 30;

function shiftDay(day: string, days: number): string {
  return utcDay(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000);
}

const zero = (): UsageCounts => ({ requests: 0, prompt_tokens: 0, completion_tokens: 0 });

export function usageRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/usage', async (request): Promise<UsageResponse> => {
    const q = parseOr400(UsageQuery, request.query);
    const today = utcDay(deps.clock.now());
    const to = q.to ?? (q.from !== undefined && q.from > today ? q.from : today);
    const from = q.from ?? shiftDay(to, -(DEFAULT_RANGE_DAYS - 1));
    const [usage, keys] = await Promise.all([
      queryUsage(deps.store.db, { from, to, ...(q.key_id !== undefined ? { keyId: q.key_id } : {}) }),
      listApiKeys(deps.store.db),
    ]);
    const names = new Map(keys.map((k) => [k.id, k]));
    const perKey = new Map<string, UsageKeyTotal>();
    const perDay = new Map<string, UsageDailyTotal>();
    const days = usage.days.map((d) => {
      const row = { date: d.date, key_id: d.keyId, requests: d.requests, prompt_tokens: d.promptTokens, completion_tokens: d.completionTokens };
      let k = perKey.get(d.keyId);
      if (k === undefined) {
        const known = names.get(d.keyId);
        k = { key_id: d.keyId, name: known?.name ?? null, key_prefix: known?.keyPrefix ?? null, ...zero() };
        perKey.set(d.keyId, k);
      }
      let day = perDay.get(d.date);
      if (day === undefined) perDay.set(d.date, (day = { date: d.date, ...zero() }));
      for (const acc of [k, day]) {
        acc.requests += row.requests;
        acc.prompt_tokens += row.prompt_tokens;
        acc.completion_tokens += row.completion_tokens;
      }
      return row;
    });
    return {
      from,
      to,
      key_id: q.key_id ?? null,
      totals: { requests: usage.totals.requests, prompt_tokens: usage.totals.promptTokens, completion_tokens: usage.totals.completionTokens },
      daily: [...perDay.values()],
      days,
      keys: [...perKey.values()].sort((a, b) => b.requests - a.requests || a.key_id.localeCompare(b.key_id)),
    };
  });
}
