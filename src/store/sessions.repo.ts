/**
 * Admin sessions in the store, so they survive restarts and are shared by every replica.
 * The row id is the SHA-256 of the cookie's token (a leaked table does not yield cookies);
 * a session only counts while it is unexpired and its user still exists.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** A live session. */
export interface SessionRecord {
  readonly id: string;
  readonly username: string;
  readonly csrfToken: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

export async function insertSession(db: Kysely<Database>, s: SessionRecord): Promise<void> {
  await db
    .insertInto('sessions')
    .values({ id: s.id, username: s.username, csrf_token: s.csrfToken, created_at: s.createdAt, expires_at: s.expiresAt })
    .execute();
}

/** The session with this id if it has not expired at `now` (ISO) and its user exists. */
export async function findLiveSession(db: Kysely<Database>, id: string, now: string): Promise<SessionRecord | undefined> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('admin_users as u', 'u.username', 's.username')
    .select(['s.id', 's.username', 's.csrf_token', 's.created_at', 's.expires_at'])
    .where('s.id', '=', id)
    .where('s.expires_at', '>', now)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : { id: row.id, username: row.username, csrfToken: row.csrf_token, createdAt: row.created_at, expiresAt: row.expires_at };
}

/** End one session; false when it did not exist. */
export async function deleteSession(db: Kysely<Database>, id: string): Promise<boolean> {
  const res = await db.deleteFrom('sessions').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** End every session of a user (after a password change); returns how many. */
export async function deleteUserSessions(db: Kysely<Database>, username: string): Promise<number> {
  const res = await db.deleteFrom('sessions').where('username', '=', username).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Drop sessions that expired before `now` (ISO); returns how many. */
export async function deleteExpiredSessions(db: Kysely<Database>, now: string): Promise<number> {
  const res = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(res.numDeletedRows);
}
