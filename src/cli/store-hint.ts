/**
 * The DATABASE_URL a printed CLI command needs to act on the store this process uses: nothing
 * for the default file, the variable for another SQLite file, a reminder for Postgres (its URL
 * may hold a password, so it is not printed).
 */
import { DEFAULT_SQLITE_PATH, type Config } from '../core/config.js';

export function storeEnvHint(db: Config['database']): string {
  if (db.kind === 'postgres') return '(with the same DATABASE_URL) ';
  return db.path === DEFAULT_SQLITE_PATH ? '' : `DATABASE_URL=sqlite:${db.path} `;
}
