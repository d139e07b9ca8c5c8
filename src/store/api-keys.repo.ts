/**
 * API key rows: create, find by hash (the /v1 hot lookup), list with usage totals,
 * update and delete. Repositories return undefined for "not found"; routes decide the 404.
 */
import type { Kysely } from 'kysely';
import { displayPrefix, generateApiKey, hashApiKey, newId } from '../core/api-key.js';
import { policyColumns, policyOf, type KeyPolicyChanges } from './key-policy.js';
import type { KeyPolicy } from '../core/limits.js';
import type { ApiKeyRow, Database } from './schema.js';

/** A key as the outside world sees it (no hash). */
export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly keyPrefix: string;
  readonly isActive: boolean;
  readonly createdAt: string;
  /** Limits, model scope, expiry and priority; undefined when the key has none of them. */
  readonly policy: KeyPolicy | undefined;
}

export interface ApiKeyWithUsage extends ApiKeyRecord {
  /** When the key was last used (kept with its usage totals); null = never. */
  readonly lastUsedAt: string | null;
  readonly usage: { readonly requests: number; readonly promptTokens: number; readonly completionTokens: number };
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    keyPrefix: row.key_prefix,
    isActive: row.is_active === 1,
    createdAt: row.created_at,
    policy: policyOf(row),
  };
}

export interface NewApiKey {
  readonly id: string;
  readonly name: string;
  readonly keyHash: string;
  readonly keyPrefix: string;
  readonly createdAt: string;
}

/** Insert a key; returns false when a key with the same hash already exists. */
export async function insertApiKey(db: Kysely<Database>, key: NewApiKey): Promise<boolean> {
  const res = await db
    .insertInto('api_keys')
    .values({
      id: key.id,
      name: key.name,
      key_hash: key.keyHash,
      key_prefix: key.keyPrefix,
      is_active: 1,
      created_at: key.createdAt,
    })
    .onConflict((oc) => oc.column('key_hash').doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/**
 * Issue a key: a random one unless `key` is given; stores only its hash and display prefix.
 * Returns the id and the full key (shown once), or undefined when that key already exists.
 */
export async function createApiKey(
  db: Kysely<Database>,
  opts: { readonly name: string; readonly key?: string | undefined; readonly createdAt: string; readonly policy?: KeyPolicyChanges; readonly isActive?: boolean },
): Promise<{ id: string; key: string } | undefined> {
  const key = opts.key ?? generateApiKey();
  const id = newId();
  const policy = opts.policy;
  const row = { id, name: opts.name, keyHash: hashApiKey(key), keyPrefix: displayPrefix(key), createdAt: opts.createdAt };
  const disabled = opts.isActive === false;
  // With its limits (and a disabled state) in the same transaction: a key never exists, even
  // briefly, without them.
  const inserted =
    policy === undefined && !disabled
      ? await insertApiKey(db, row)
      : await db
          .transaction()
          .execute(async (trx) => (await insertApiKey(trx, row)) && (await updateApiKey(trx, id, { ...(policy !== undefined ? { policy } : {}), ...(disabled ? { isActive: false } : {}) })));
  return inserted ? { id, key } : undefined;
}

/** The key with this hash, active or not. */
export async function findApiKeyByHash(db: Kysely<Database>, keyHash: string): Promise<ApiKeyRecord | undefined> {
  const row = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

export async function getApiKey(db: Kysely<Database>, id: string): Promise<ApiKeyWithUsage | undefined> {
  const rows = await listQuery(db).where('k.id', '=', id).execute();
  const row = rows[0];
  return row === undefined ? undefined : withUsage(row);
}

/** All keys, newest first, with their usage totals. */
export async function listApiKeys(db: Kysely<Database>): Promise<ApiKeyWithUsage[]> {
  const rows = await listQuery(db).orderBy('k.created_at', 'desc').orderBy('k.id').execute();
  return rows.map(withUsage);
}

function listQuery(db: Kysely<Database>) {
  return db
    .selectFrom('api_keys as k')
    .leftJoin('usage_totals as u', 'u.key_id', 'k.id')
    .select(['k.id', 'k.name', 'k.key_hash', 'k.key_prefix', 'k.is_active', 'k.created_at'])
    .select(['k.limit_rpm', 'k.limit_tpm', 'k.limit_concurrency', 'k.limit_daily_tokens', 'k.limit_monthly_tokens'])
    .select(['k.allowed_models', 'k.expires_at', 'k.priority'])
    .select(['u.requests', 'u.prompt_tokens', 'u.completion_tokens', 'u.last_used_at']);
}

function withUsage(
  row: ApiKeyRow & { requests: number | null; prompt_tokens: number | null; completion_tokens: number | null; last_used_at: string | null },
): ApiKeyWithUsage {
  return {
    ...toRecord(row),
    lastUsedAt: row.last_used_at,
    usage: {
      requests: Number(row.requests ?? 0),
      promptTokens: Number(row.prompt_tokens ?? 0),
      completionTokens: Number(row.completion_tokens ?? 0),
    },
  };
}

/** Update name and/or state; returns false when no such key. */
export async function updateApiKey(
  db: Kysely<Database>,
  id: string,
  changes: { readonly name?: string; readonly isActive?: boolean; readonly policy?: KeyPolicyChanges },
): Promise<boolean> {
  const set: { name?: string; is_active?: number } & ReturnType<typeof policyColumns> = changes.policy === undefined ? {} : policyColumns(changes.policy);
  if (changes.name !== undefined) set.name = changes.name;
  if (changes.isActive !== undefined) set.is_active = changes.isActive ? 1 : 0;
  if (Object.keys(set).length === 0) {
    const row = await db.selectFrom('api_keys').select('id').where('id', '=', id).executeTakeFirst();
    return row !== undefined;
  }
  const res = await db.updateTable('api_keys').set(set).where('id', '=', id).executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/**
 * Delete a key and its usage rows (429 counts included); returns false when no such key. The key row goes first: a
 * usage write running at the same moment holds it FOR KEY SHARE (Postgres), so either it
 * commits before the delete (whose usage rows then go too) or it finds no key and drops its
 * increment. Usage is never re-created for a deleted key.
 */
export async function deleteApiKey(db: Kysely<Database>, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const res = await trx.deleteFrom('api_keys').where('id', '=', id).executeTakeFirst();
    await trx.deleteFrom('usage_daily').where('key_id', '=', id).execute();
    await trx.deleteFrom('usage_totals').where('key_id', '=', id).execute();
    await trx.deleteFrom('key_limit_state').where('key_id', '=', id).execute();
    await trx.deleteFrom('key_rejections').where('key_id', '=', id).execute();
    return Number(res.numDeletedRows) === 1;
  });
}
