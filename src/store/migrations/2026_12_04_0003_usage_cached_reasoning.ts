/**
 * Cached prompt tokens (served from the backend's prefix cache) and reasoning tokens in the
 * usage counters: both are parts of the prompt and completion counts, kept beside them.
 */
import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const type = dialect === 'postgres' ? sql`bigint` : sql`integer`;
  for (const table of ['usage_totals', 'usage_daily']) {
    for (const column of ['cached_tokens', 'reasoning_tokens']) {
      await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN ${sql.ref(column)} ${type} NOT NULL DEFAULT 0`.execute(db);
    }
  }
}
