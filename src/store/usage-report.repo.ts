/**
 * Usage reports for the console, aggregated in SQL over the per-key per-day buckets: sums
 * per day and per key for a date range (optionally one key). Both scan the range once
 * through the (day, key_id) index or, for one key, the (key_id, day) primary key.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface UsageRange {
  /** Inclusive UTC days `YYYY-MM-DD`. */
  readonly from: string;
  readonly to: string;
  readonly keyId?: string;
}

export interface UsageSums {
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedTokens: number;
  readonly reasoningTokens: number;
}

function ranged(db: Kysely<Database>, q: UsageRange) {
  let query = db.selectFrom('usage_daily as u').where('u.day', '>=', q.from).where('u.day', '<=', q.to);
  if (q.keyId !== undefined) query = query.where('u.key_id', '=', q.keyId);
  return query;
}

type Summed = number | string | null;
const sums = (r: { requests: Summed; prompt_tokens: Summed; completion_tokens: Summed; cached_tokens: Summed; reasoning_tokens: Summed }): UsageSums => ({
  requests: Number(r.requests ?? 0),
  promptTokens: Number(r.prompt_tokens ?? 0),
  completionTokens: Number(r.completion_tokens ?? 0),
  cachedTokens: Number(r.cached_tokens ?? 0),
  reasoningTokens: Number(r.reasoning_tokens ?? 0),
});

/** Per-day sums across the selected keys, oldest first (days without traffic are absent). */
export async function usageByDay(db: Kysely<Database>, q: UsageRange): Promise<Array<UsageSums & { date: string }>> {
  const rows = await ranged(db, q)
    .select((eb) => [
      'u.day',
      eb.fn.sum<number | string>('u.requests').as('requests'),
      eb.fn.sum<number | string>('u.prompt_tokens').as('prompt_tokens'),
      eb.fn.sum<number | string>('u.completion_tokens').as('completion_tokens'),
      eb.fn.sum<number | string>('u.cached_tokens').as('cached_tokens'),
      eb.fn.sum<number | string>('u.reasoning_tokens').as('reasoning_tokens'),
    ])
    .groupBy('u.day')
    .orderBy('u.day')
    .execute();
  return rows.map((r) => ({ date: r.day, ...sums(r) }));
}

/** Per-key sums over the range with the key's name and prefix (null once the key is deleted). */
export async function usageByKey(
  db: Kysely<Database>,
  q: UsageRange,
): Promise<Array<UsageSums & { keyId: string; name: string | null; keyPrefix: string | null }>> {
  // Aggregate first, then join: one key lookup per key, not per bucket.
  const perKey = ranged(db, q)
    .select((eb) => [
      'u.key_id',
      eb.fn.sum<number | string>('u.requests').as('requests'),
      eb.fn.sum<number | string>('u.prompt_tokens').as('prompt_tokens'),
      eb.fn.sum<number | string>('u.completion_tokens').as('completion_tokens'),
      eb.fn.sum<number | string>('u.cached_tokens').as('cached_tokens'),
      eb.fn.sum<number | string>('u.reasoning_tokens').as('reasoning_tokens'),
    ])
    .groupBy('u.key_id')
    .as('s');
  const rows = await db
    .selectFrom(perKey)
    .leftJoin('api_keys as k', 'k.id', 's.key_id')
    .select(['s.key_id', 'k.name', 'k.key_prefix', 's.requests', 's.prompt_tokens', 's.completion_tokens', 's.cached_tokens', 's.reasoning_tokens'])
    .execute();
  return rows.map((r) => ({ keyId: r.key_id, name: r.name ?? null, keyPrefix: r.key_prefix ?? null, ...sums(r) }));
}
