/**
 * Setting an admin user's password, shared by `worv-proxy admin set-password` and the
 * ADMIN_USERNAME/ADMIN_PASSWORD start-up path. A real change revokes the user's sessions;
 * re-applying the same password (every start with the env vars set) changes nothing.
 */
import { isoTime, type Clock } from '../core/clock.js';
import { hashPassword, verifyPassword } from '../core/password.js';
import { getAdminUser, upsertAdminUser } from '../store/admin-users.repo.js';
import type { Store } from '../store/db.js';

export type SetPasswordOutcome = 'created' | 'updated' | 'unchanged';

/** Shortest accepted admin password (same rule as ADMIN_PASSWORD). */
export const MIN_PASSWORD_LENGTH = 8;
/** Admin usernames: what fits in a cookie-free login form and a log line. */
export const USERNAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;

/** Create the user or set its password; unchanged when the password already matches. */
export async function setAdminPassword(store: Store, clock: Clock, username: string, password: string): Promise<SetPasswordOutcome> {
  const existing = await getAdminUser(store.db, username);
  if (existing !== undefined && (await verifyPassword(password, existing.passwordHash))) return 'unchanged';
  return upsertAdminUser(store.db, { username, passwordHash: await hashPassword(password), now: isoTime(clock.now()) });
}
