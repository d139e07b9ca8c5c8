/**
 * Fixed-window counters in the database, for limits that must hold across replicas sharing
 * one Postgres (the login limit when no Redis is configured). One atomic upsert per hit:
 * a hit in a new window resets the counter, a hit in the same window increments it.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Count one hit on `bucket` in the window starting at `windowStart` (ms); returns the window's hits so far. */
export async function hitFixedWindow(db: Kysely<Database>, bucket: string, windowStart: number): Promise<number> {
  const row = await db
    .insertInto('rate_limits')
    .values({ bucket, window_start: windowStart, hits: 1 })
    .onConflict((oc) =>
      oc.column('bucket').doUpdateSet((eb) => ({
        hits: eb
          .case()
          .when('rate_limits.window_start', '=', eb.ref('excluded.window_start'))
          .then(eb('rate_limits.hits', '+', 1))
          .else(1)
          .end(),
        window_start: eb.ref('excluded.window_start'),
      })),
    )
    .returning('hits')
    .executeTakeFirstOrThrow();
  return Number(row.hits);
}

/** Delete counters whose window started before `before` (ms); returns how many. */
export async function pruneRateLimits(db: Kysely<Database>, before: number): Promise<number> {
  const res = await db.deleteFrom('rate_limits').where('window_start', '<', before).executeTakeFirst();
  return Number(res.numDeletedRows);
}
