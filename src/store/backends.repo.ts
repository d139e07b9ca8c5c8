/**
 * Backends added or removed at run time (core/backend-url.ts says how they combine with the
 * environment's list). Each change is one transaction that reads the current list first, so a
 * duplicate or an unknown URL is refused even when two admins act at once.
 */
import type { Kysely } from 'kysely';
import { backendKey, effectiveBackends, type BackendChange } from '../core/backend-url.js';
import type { Database } from './schema.js';

/** Every stored change, oldest first (the order added backends are listed in). */
export async function listBackendChanges(db: Kysely<Database>): Promise<BackendChange[]> {
  const rows = await db.selectFrom('backends').select(['url', 'state']).orderBy('changed_at').orderBy('url').execute();
  return rows.map((r) => ({ url: r.url, state: r.state === 'removed' ? 'removed' : 'added' }));
}

/** The backends in use given the environment's list. */
export async function currentBackends(db: Kysely<Database>, env: readonly string[]): Promise<string[]> {
  return effectiveBackends(env, await listBackendChanges(db));
}

export type AddBackendOutcome = 'added' | 'exists';
export type RemoveBackendOutcome = { readonly outcome: 'removed'; readonly url: string } | { readonly outcome: 'unknown' | 'last' };

async function record(db: Kysely<Database>, url: string, state: BackendChange['state'], at: string): Promise<void> {
  await db
    .insertInto('backends')
    .values({ url, state, changed_at: at })
    .onConflict((oc) => oc.column('url').doUpdateSet({ state, changed_at: at }))
    .execute();
}

/**
 * Adds `url` (an origin from checkBackendUrl) unless it is in use already. A backend of the
 * environment's list that was removed is restored instead: its removal is undone, so it stays
 * the environment's (taking it out of VLLM_BASE_URL later retires it, as for any other).
 */
export function addBackend(db: Kysely<Database>, env: readonly string[], url: string, at: string): Promise<AddBackendOutcome> {
  return db.transaction().execute(async (trx) => {
    const current = await currentBackends(trx, env);
    const key = backendKey(url);
    if (current.some((u) => backendKey(u) === key)) return 'exists';
    if (env.some((u) => backendKey(u) === key)) await trx.deleteFrom('backends').where('url', '=', key).execute();
    else await record(trx, url, 'added', at);
    return 'added';
  });
}

/**
 * Takes `url` out of use; never the last backend. The answer names the URL as configured. Only
 * a backend of the environment's list needs its removal remembered; one added at run time is
 * forgotten, so naming it in VLLM_BASE_URL later puts it in use.
 */
export function removeBackend(db: Kysely<Database>, env: readonly string[], url: string, at: string): Promise<RemoveBackendOutcome> {
  return db.transaction().execute(async (trx): Promise<RemoveBackendOutcome> => {
    const current = await currentBackends(trx, env);
    const found = current.find((u) => backendKey(u) === backendKey(url));
    if (found === undefined) return { outcome: 'unknown' };
    if (current.length === 1) return { outcome: 'last' };
    const key = backendKey(found);
    if (env.some((u) => backendKey(u) === key)) await record(trx, key, 'removed', at);
    else await trx.deleteFrom('backends').where('url', 'in', [found, key]).execute();
    return { outcome: 'removed', url: found };
  });
}
