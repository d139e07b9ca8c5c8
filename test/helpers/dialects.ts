/**
 * Store test matrix: every store test runs against SQLite (in memory) and against Postgres,
 * each Postgres store in its own fresh schema. Postgres is skipped, with the reason printed,
 * only when no server answers at TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/db.js';

export interface TestDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Open a fresh, migrated, empty store. */
  open(): Promise<Store>;
}

export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? process.env.DATABASE_URL_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

let pgReachable: Promise<string | undefined> | undefined;

/** undefined when Postgres answers, else the reason it does not. */
export function postgresUnavailableReason(): Promise<string | undefined> {
  pgReachable ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (err) {
      return `Postgres not reachable at ${POSTGRES_URL}: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return pgReachable;
}

/** A unique schema name for one test store. */
export function freshSchema(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/** Drop a test schema (best effort). */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** The dialects to run store tests on; prints why Postgres is skipped when it is. */
export async function testDialects(): Promise<TestDialect[]> {
  const dialects: TestDialect[] = [{ name: 'sqlite', open: () => openStore({ kind: 'sqlite', path: ':memory:' }) }];
  const reason = await postgresUnavailableReason();
  if (reason === undefined) {
    dialects.push({
      name: 'postgres',
      open: async () => {
        const schema = freshSchema();
        const store = await openStore({ kind: 'postgres', url: POSTGRES_URL }, { pgSchema: schema });
        return { ...store, close: async () => { await store.close(); await dropSchema(schema); } };
      },
    });
  } else {
    console.warn(`[skip postgres] ${reason}`);
  }
  return dialects;
}
