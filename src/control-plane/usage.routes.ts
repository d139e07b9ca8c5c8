/**
 * GET /api/usage?from&to&key_id&detail (docs/admin-api.md): from the per-day, per-key buckets the
 * data plane writes, the range's totals, per-day sums and per-key sums (aggregated in SQL),
 * and unless `detail=none` the per-(day, key) rows. Dates are UTC days, inclusive; `to`
 * defaults to today and `from` to 29 days before `to`.
 */
import type { FastifyInstance } from 'fastify';
import { utcDay } from '../core/clock.js';
import { UsageQuery, type UsageResponse } from '../shared/api-contract.js';
import { usageByDay, usageByKey, type UsageRange, type UsageSums } from '../store/usage-report.repo.js';
import { queryUsage } from '../store/usage.repo.js';
import { keyLabels, rejectionsByKey } from '../store/key-limits.repo.js';
import type { RouteDeps } from './deps.js';
import { parseOr400 } from './parse.js';

const DEFAULT_RANGE_DAYS = 30;

function shiftDay(day: string, days: number): string {
  return utcDay(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000);
}

const wire = (s: UsageSums) => ({
  requests: s.requests,
  prompt_tokens: s.promptTokens,
  completion_tokens: s.completionTokens,
  cached_tokens: s.cachedTokens,
  reasoning_tokens: s.reasoningTokens,
});

export function usageRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db } = deps.store;
  app.get('/usage', async (request): Promise<UsageResponse> => {
    const q = parseOr400(UsageQuery, request.query);
    const today = utcDay(deps.clock.now());
    const to = q.to ?? (q.from !== undefined && q.from > today ? q.from : today);
    const from = q.from ?? shiftDay(to, -(DEFAULT_RANGE_DAYS - 1));
    const range: UsageRange = { from, to, ...(q.key_id !== undefined ? { keyId: q.key_id } : {}) };
    await deps.settleUsage(true);
    const [daily, perKey, rows, rejected] = await Promise.all([
      usageByDay(db, range),
      usageByKey(db, range),
      q.detail === 'none' ? undefined : queryUsage(db, range),
      rejectionsByKey(db, from, to, q.key_id),
    ]);
    // A key refused every time has 429s but no usage row: it is listed too.
    const unused = [...rejected.keys()].filter((id) => !perKey.some((k) => k.keyId === id));
    for (const l of await keyLabels(db, unused)) perKey.push({ ...l, requests: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 });
    const totals = { requests: 0, prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, reasoning_tokens: 0 };
    for (const k of perKey) {
      totals.requests += k.requests;
      totals.prompt_tokens += k.promptTokens;
      totals.completion_tokens += k.completionTokens;
      totals.cached_tokens += k.cachedTokens;
      totals.reasoning_tokens += k.reasoningTokens;
    }
    return {
      from,
      to,
      key_id: q.key_id ?? null,
      totals,
      daily: daily.map((d) => ({ date: d.date, ...wire(d) })),
      days: (rows?.days ?? []).map((d) => ({ date: d.date, key_id: d.keyId, ...wire(d) })),
      keys: perKey
        .map((k) => ({ key_id: k.keyId, name: k.name, key_prefix: k.keyPrefix, ...wire(k), rate_limited: rejected.get(k.keyId) ?? 0 }))
        .sort((a, b) => b.requests - a.requests || a.key_id.localeCompare(b.key_id)),
    };
  });
}
