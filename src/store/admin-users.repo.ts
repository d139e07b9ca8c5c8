/**
 * Admin console users: one row per username with its scrypt hash. Hashing and verification
 * live in core/password.ts; this module only stores and reads.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** An admin user as stored. */
export interface AdminUser {
  readonly username: string;
  readonly passwordHash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The user with this exact username, or undefined. */
export async function getAdminUser(db: Kysely<Database>, username: string): Promise<AdminUser | undefined> {
  const row = await db.selectFrom('admin_users').selectAll().where('username', '=', username).executeTakeFirst();
  return row === undefined
    ? undefined
    : { username: row.username, passwordHash: row.password_hash, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** How many admin users exist (0 means nobody can sign in to the console yet). */
export async function countAdminUsers(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('admin_users').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Create the user, or replace its password hash and sign out its sessions, in one transaction
 * (a password changed while its old sessions live on would defeat the change); says which.
 */
export async function upsertAdminUser(
  db: Kysely<Database>,
  user: { readonly username: string; readonly passwordHash: string; readonly now: string },
): Promise<'created' | 'updated'> {
  return db.transaction().execute(async (trx) => {
    const existed = await trx.selectFrom('admin_users').select('username').where('username', '=', user.username).executeTakeFirst();
    await trx
      .insertInto('admin_users')
      .values({ username: user.username, password_hash: user.passwordHash, created_at: user.now, updated_at: user.now })
      .onConflict((oc) => oc.column('username').doUpdateSet({ password_hash: user.passwordHash, updated_at: user.now }))
      .execute();
    if (existed === undefined) return 'created';
    await trx.deleteFrom('sessions').where('username', '=', user.username).execute();
    return 'updated';
  });
}
