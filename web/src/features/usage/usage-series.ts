/**
 * Turns a /api/usage answer into what the page draws: one point per UTC day of the range
 * (the server lists only days with traffic; the rest are zeros, so the chart's spacing is
 * honest), the per-key table rows, and the CSV export.
 */
import type { UsageResponse } from '@contract';

/** Per-day columns, aligned: `days[i]` has `prompt[i]`, `completion[i]`, `requests[i]`. */
export interface DailySeries {
  readonly days: string[];
  /** UTC midnight of each day, in seconds (uPlot's x unit). */
  readonly x: number[];
  readonly prompt: number[];
  readonly completion: number[];
  readonly requests: number[];
  /** Parts of prompt / completion: from the prefix cache, spent reasoning. */
  readonly cached: number[];
  readonly reasoning: number[];
}

/** Longest range drawn day by day (ten years); of a longer range the chart draws the newest days. */
export const MAX_CHART_DAYS = 3660;

const DAY_MS = 86_400_000;

/** Every day from `from` to `to` inclusive (YYYY-MM-DD, UTC), or the newest MAX_CHART_DAYS of them. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  const start = Math.max(Date.parse(`${from}T00:00:00Z`), end - (MAX_CHART_DAYS - 1) * DAY_MS);
  if (Number.isNaN(start) || Number.isNaN(end)) return out;
  for (let t = start; t <= end; t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** One point per day of the answer's range, from its per-day sums (`daily`). */
export function dailySeries(usage: UsageResponse): DailySeries {
  const days = daysBetween(usage.from, usage.to);
  const index = new Map(days.map((d, i) => [d, i]));
  const prompt = days.map(() => 0);
  const completion = days.map(() => 0);
  const requests = days.map(() => 0);
  const cached = days.map(() => 0);
  const reasoning = days.map(() => 0);
  for (const row of usage.daily) {
    const i = index.get(row.date);
    if (i === undefined) continue;
    prompt[i] = row.prompt_tokens;
    completion[i] = row.completion_tokens;
    requests[i] = row.requests;
    cached[i] = row.cached_tokens;
    reasoning[i] = row.reasoning_tokens;
  }
  const x = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
  return { days, x, prompt, completion, requests, cached, reasoning };
}

/** One row of the per-key table. */
export interface KeyUsageRow {
  readonly keyId: string;
  /** Null when the key has been deleted since. */
  readonly name: string | null;
  readonly prefix: string | null;
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedTokens: number;
  readonly reasoningTokens: number;
  readonly totalTokens: number;
  /** Requests refused with 429 by the key's limits. */
  readonly rateLimited: number;
  /** Share of all tokens in the range, 0..1. */
  readonly share: number;
}

/** Per-key rows, busiest (most tokens, then most requests) first; deleted keys after named ones. */
export function keyRows(usage: UsageResponse): KeyUsageRow[] {
  const all = usage.totals.prompt_tokens + usage.totals.completion_tokens;
  return usage.keys
    .map((k) => {
      const total = k.prompt_tokens + k.completion_tokens;
      return {
        keyId: k.key_id,
        name: k.name,
        prefix: k.key_prefix,
        requests: k.requests,
        promptTokens: k.prompt_tokens,
        completionTokens: k.completion_tokens,
        cachedTokens: k.cached_tokens,
        reasoningTokens: k.reasoning_tokens,
        totalTokens: total,
        rateLimited: k.rate_limited,
        share: all > 0 ? total / all : 0,
      };
    })
    .sort(
      (a, b) =>
        b.totalTokens - a.totalTokens ||
        b.requests - a.requests ||
        Number(a.name === null) - Number(b.name === null) ||
        (a.name ?? '').localeCompare(b.name ?? ''),
    );
}

function csvCell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  // Quote fields with separators, quotes or line breaks (RFC 4180); neutralise spreadsheet formulas.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The answer as CSV: one line per (day, key) with the key's name, oldest day first. Cached and
 * reasoning tokens come last (they are parts of prompt and completion, not added to the total).
 */
export function usageCsv(usage: UsageResponse): string {
  const names = new Map(usage.keys.map((k) => [k.key_id, k]));
  const header = ['date', 'key_id', 'key_name', 'key_prefix', 'requests', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'cached_tokens', 'reasoning_tokens'];
  const rows = [...usage.days]
    .sort((a, b) => a.date.localeCompare(b.date) || a.key_id.localeCompare(b.key_id))
    .map((d) => {
      const k = names.get(d.key_id);
      return [d.date, d.key_id, k?.name ?? null, k?.key_prefix ?? null, d.requests, d.prompt_tokens, d.completion_tokens, d.prompt_tokens + d.completion_tokens, d.cached_tokens, d.reasoning_tokens]
        .map(csvCell)
        .join(',');
    });
  return [header.join(','), ...rows].join('\r\n') + '\r\n';
}
