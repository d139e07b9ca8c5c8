/**
 * What per-key limits keep in the store: each key's counters as one JSON row locked while a
 * request is admitted or settled (the counters of replicas that share Postgres without Redis),
 * the key's token usage today and this month (the budgets' starting point), and the per-day
 * count of requests refused with 429.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { admitState, leaseSlots, raiseBudgetState, renewState, settleState, type AdmitPlan, type AdmitResult, type BudgetSeed, type LimitState, type SettlePlan } from '../core/limits.js';
import type { Store } from './db.js';
import type { Database } from './schema.js';

async function withState<T>(db: Kysely<Database>, keyId: string, fn: (s: LimitState) => { result: T; changed: boolean }): Promise<T> {
  return db.transaction().execute(async (trx: Transaction<Database>) => {
    await trx.insertInto('key_limit_state').values({ key_id: keyId, state: '{}' }).onConflict((oc) => oc.column('key_id').doNothing()).execute();
    // FOR UPDATE: replicas admitting for the same key queue here, so check-and-count is atomic.
    const row = await sql<{ state: string }>`select state from key_limit_state where key_id = ${keyId} for update`.execute(trx);
    const state = JSON.parse(row.rows[0]?.state ?? '{}') as LimitState;
    const { result, changed } = fn(state);
    if (changed) await trx.updateTable('key_limit_state').set({ state: JSON.stringify(state) }).where('key_id', '=', keyId).execute();
    return result;
  });
}

/** Postgres: admission against the key's row, atomically across every replica. */
export function admitInStore(db: Kysely<Database>, plan: AdmitPlan): Promise<AdmitResult> {
  return withState(db, plan.keyId, (s) => {
    const result = admitState(s, plan);
    return { result, changed: result.kind !== 'seed' };
  });
}

export function settleInStore(db: Kysely<Database>, plan: SettlePlan): Promise<void> {
  return withState(db, plan.keyId, (s) => {
    settleState(s, plan);
    return { result: undefined, changed: true };
  });
}

/** Moves the leases of the key's requests that are still held to `until`. */
export function renewInStore(db: Kysely<Database>, keyId: string, requestIds: readonly string[], until: number): Promise<void> {
  return withState(db, keyId, (s) => ({ result: undefined, changed: renewState(s, requestIds, until) }));
}

/** Drops the key's budget counters (the next admission with a budget seeds them from the buckets). */
export function forgetBudgetsInStore(db: Kysely<Database>, keyId: string): Promise<void> {
  return withState(db, keyId, (s) => {
    const changed = s.day !== undefined || s.month !== undefined;
    delete s.day;
    delete s.month;
    return { result: undefined, changed };
  });
}

/** Raises the key's budget counters of `day` and its month, where kept, to at least `seed`. */
export function raiseBudgetsInStore(db: Kysely<Database>, keyId: string, day: string, seed: BudgetSeed): Promise<void> {
  return withState(db, keyId, (s) => ({ result: undefined, changed: raiseBudgetState(s, day, seed) }));
}

/** Leases still held on the key's row (its requests in flight). */
export async function inFlightInStore(db: Kysely<Database>, keyId: string, now: number): Promise<number> {
  const row = await db.selectFrom('key_limit_state').select('state').where('key_id', '=', keyId).executeTakeFirst();
  if (row === undefined) return 0;
  const s = JSON.parse(row.state) as LimitState;
  let n = 0;
  for (const [id, until] of Object.entries(s.leases ?? {})) if (until > now) n += leaseSlots(id);
  return n;
}

/** Prompt + completion tokens of the key on `day` and in that day's month (from the usage buckets). */
export async function tokensUsed(db: Kysely<Database>, keyId: string, day: string): Promise<{ day: number; month: number }> {
  const rows = await db
    .selectFrom('usage_daily')
    .select(['day', 'prompt_tokens', 'completion_tokens'])
    .where('key_id', '=', keyId)
    .where('day', '>=', `${day.slice(0, 7)}-01`)
    .where('day', '<=', day)
    .execute();
  let today = 0;
  let month = 0;
  for (const r of rows) {
    const t = Number(r.prompt_tokens) + Number(r.completion_tokens);
    month += t;
    if (r.day === day) today += t;
  }
  return { day: today, month };
}

/**
 * Adds 429 counts per (key, day), for keys that still exist: a deleted key's counts are not
 * re-created. On Postgres the key row is read FOR KEY SHARE, as usage writes read it: a delete
 * running at the same moment either commits first (nothing is inserted) or waits for this.
 */
export async function addRejections(store: Pick<Store, 'db' | 'dialect'>, rows: readonly { keyId: string; day: string; count: number }[]): Promise<void> {
  // One transaction: counts that fail are kept and added again, so none may be half written. Rows
  // in one order (key, day), so two gateways' transactions lock them alike and never deadlock.
  const ordered = [...rows].sort((a, b) => (a.keyId === b.keyId ? (a.day < b.day ? -1 : a.day > b.day ? 1 : 0) : a.keyId < b.keyId ? -1 : 1));
  await store.db.transaction().execute(async (trx) => {
    for (const r of ordered) await addRejection(trx, store.dialect, r);
  });
}

async function addRejection(db: Kysely<Database>, dialect: Store['dialect'], r: { keyId: string; day: string; count: number }): Promise<void> {
  await db
    .insertInto('key_rejections')
    .columns(['key_id', 'day', 'rate_limited'])
    .expression((eb) => {
      const key = eb
        .selectFrom('api_keys')
        .select(['id', sql<string>`CAST(${r.day} AS TEXT)`.as('day'), sql<number>`CAST(${r.count} AS BIGINT)`.as('rate_limited')])
        .where('id', '=', r.keyId);
      return dialect === 'postgres' ? key.forKeyShare() : key;
    })
    .onConflict((oc) =>
      oc.columns(['key_id', 'day']).doUpdateSet((eb) => ({ rate_limited: eb('key_rejections.rate_limited', '+', eb.ref('excluded.rate_limited')) })),
    )
    .execute();
}

/** 429 counts per key over inclusive UTC days. */
export async function rejectionsByKey(db: Kysely<Database>, from: string, to: string, keyId?: string): Promise<Map<string, number>> {
  let q = db
    .selectFrom('key_rejections')
    .select((eb) => ['key_id', eb.fn.sum<number | string>('rate_limited').as('n')])
    .where('day', '>=', from)
    .where('day', '<=', to);
  if (keyId !== undefined) q = q.where('key_id', '=', keyId);
  const rows = await q.groupBy('key_id').execute();
  return new Map(rows.map((r) => [r.key_id, Number(r.n)]));
}

/** Name and prefix of keys (null for keys deleted since), in the order asked. */
export async function keyLabels(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Array<{ keyId: string; name: string | null; keyPrefix: string | null }>> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('api_keys').select(['id', 'name', 'key_prefix']).where('id', 'in', ids).execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => ({ keyId: id, name: byId.get(id)?.name ?? null, keyPrefix: byId.get(id)?.key_prefix ?? null }));
}
