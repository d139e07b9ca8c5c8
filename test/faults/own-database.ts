/**
 * A Postgres database of the test's own (CREATE DATABASE / DROP DATABASE), so a test can
 * terminate its connections or make it refuse new ones without disturbing anyone else on the
 * shared server.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { POSTGRES_URL } from '../helpers/dialects.js';
import { startFaultGateway, type FaultGateway } from './gateway.js';

export interface OwnDatabase {
  /** Connection URL of the new database. */
  readonly url: string;
  readonly name: string;
  /** Terminates every connection to it (what a Postgres restart or failover does to clients). */
  terminate(): Promise<number>;
  /** Refuses new connections (ALLOW_CONNECTIONS false) and terminates the existing ones. */
  refuse(): Promise<void>;
  /** Accepts connections again. */
  allow(): Promise<void>;
  /** Runs SQL in it through a connection of the test's own. */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

async function admin<T>(run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: POSTGRES_URL });
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}

export async function createOwnDatabase(): Promise<OwnDatabase> {
  const name = `worv_fault_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  const terminate = (): Promise<number> =>
    admin(async (c) => {
      const r = await c.query<{ pid: number }>(
        'SELECT pg_terminate_backend(pid) AS t, pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [name],
      );
      return r.rowCount ?? 0;
    });
  return {
    url: url.toString(),
    name,
    terminate,
    async refuse() {
      await admin((c) => c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`));
      // The setting only stops new connections: end the open ones too.
      await terminate();
    },
    async allow() {
      await admin((c) => c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`));
    },
    async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]) {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      try {
        return (await c.query<R>(text, values)).rows;
      } finally {
        await c.end();
      }
    },
    async drop() {
      await admin(async (c) => {
        await c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => undefined);
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}

/**
 * A key's row of usage_totals read from the database itself (not through the gateway), in the
 * shape of sumAnswers; zeros when the key has no row.
 */
export async function usageTotals(db: OwnDatabase, keyId: string): Promise<{ requests: number; promptTokens: number; completionTokens: number }> {
  const rows = await db.query<{ requests: number; prompt_tokens: number; completion_tokens: number }>(
    'SELECT requests::int, prompt_tokens::int, completion_tokens::int FROM usage_totals WHERE key_id = $1',
    [keyId],
  );
  const r = rows[0];
  return { requests: r?.requests ?? 0, promptTokens: r?.prompt_tokens ?? 0, completionTokens: r?.completion_tokens ?? 0 };
}

export interface GatewayOnOwnDatabase {
  readonly db: OwnDatabase;
  readonly gw: FaultGateway;
}

/**
 * A database of the describe block's own and a fault gateway on it: created in its beforeAll,
 * closed and dropped in its afterAll. Read `db` and `gw` inside the tests.
 */
export function gatewayOnOwnDatabase(): GatewayOnOwnDatabase {
  let db: OwnDatabase | undefined;
  let gw: FaultGateway | undefined;
  beforeAll(async () => {
    db = await createOwnDatabase();
    gw = await startFaultGateway(db.url);
  });
  afterAll(async () => {
    await gw?.close();
    await db?.drop();
  });
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('read db and gw inside a test, after beforeAll');
    return v;
  };
  return {
    get db() {
      return started(db);
    },
    get gw() {
      return started(gw);
    },
  };
}
