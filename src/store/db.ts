/**
 * Opens the store: Kysely over better-sqlite3 (a file in WAL mode, the embedded default) or
 * over a pg Pool (many gateway replicas), and brings the schema up to date.
 */
import { closeSync, openSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../core/config.js';
import { makeFolders } from './make-folders.js';
import { MIGRATION_NAMES, migrationProvider } from './migrations/index.js';
import { oldJournalsMessage, unappliedOldJournals } from './old-usage-journals.js';
import type { Database } from './schema.js';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer.js';
import { ImmediateSqliteDialect } from './sqlite-dialect.js';

/** An open store: the query builder plus what callers may need to know about it. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: 'sqlite' | 'postgres';
  /** The raw SQLite handle, for the few hot-path statements prepared once. */
  readonly sqlite: SqliteDatabase.Database | undefined;
  /** The SQLite file's path (undefined in memory and on Postgres): the usage spool lives beside it by default. */
  readonly sqlitePath: string | undefined;
  /**
   * Where connection-level errors go (a Postgres connection terminated by a restart or
   * failover, say). They never end the process: the pool drops the broken connection and opens
   * a new one for the next query. The default listener ignores them.
   */
  onConnectionError(listener: (err: Error) => void): void;
  /**
   * SQLite file only: why the file at the path is no longer the one the store has open (removed,
   * or replaced by another), else undefined. The open file keeps working, but what is written
   * to it is lost once the process ends, and other processes (the CLI) use the new one.
   */
  fileProblem(): string | undefined;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Postgres only: use (and create) this schema instead of `public` — tests isolate with it. */
  readonly pgSchema?: string;
  readonly pgPoolSize?: number;
  /** SQLite only: how long a statement waits for another process's lock (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /**
   * SQLite file only: WAL checkpoints run in a worker thread instead of inside a commit
   * (sqlite-checkpointer.ts). For the long-running gateway; short CLI commands leave it off.
   */
  readonly backgroundCheckpoints?: boolean;
  /** A background checkpointer failed (the connection checkpoints by itself again). */
  readonly onCheckpointError?: (err: Error) => void;
  /** An existing store was upgraded: the migrations applied to it now, oldest first. */
  readonly onMigrated?: (applied: readonly string[]) => void;
}

/** How long a new Postgres connection may take before the attempt fails (the pool retries on the next query). */
const PG_CONNECT_TIMEOUT_MS = 5000;
/**
 * How long a statement waits for a lock another session holds (an operator's `LOCK TABLE`, a
 * long migration elsewhere) before it fails as "store unavailable": the caller then answers 503
 * or spools, as for a store that is down. Without it each waiting statement keeps its pool
 * connection for the lock's whole time, and within seconds nothing else gets one.
 */
export const PG_LOCK_TIMEOUT_MS = 5000;
const SET_LOCK_TIMEOUT = `SET lock_timeout = ${PG_LOCK_TIMEOUT_MS}`;

// int8 (bigint) columns hold counters well below 2^53: read them as numbers, not strings.
const pgTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : (pg.types.getTypeParser(oid, format ?? 'text') as (v: string) => unknown),
};

function sqliteFileProblem(path: string, opened: Stats): string | undefined {
  let now: Stats;
  try {
    now = statSync(path);
  } catch {
    return `the database file ${path} was removed while open: what is written now is lost when the gateway stops; restore it or restart the gateway`;
  }
  if (now.ino === opened.ino && now.dev === opened.dev) return undefined;
  return `the database file ${path} was replaced while open: this gateway still uses the old one; restart it to use the new one`;
}

/**
 * Creates a missing SQLite file, and its missing folders, readable by this user only: the file
 * holds key hashes and the request log (bodies too with PROXY_LOG_BODIES). SQLite gives the
 * -wal and -shm files the database file's mode. What exists already is left as it is.
 */
function createPrivately(path: string): void {
  makeFolders(dirname(path), 0o700);
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
  }
}

/** Open (and migrate) the store described by DATABASE_URL. */
export async function openStore(cfg: DatabaseConfig, opts: OpenStoreOptions = {}): Promise<Store> {
  let store: Store;
  if (cfg.kind === 'sqlite') {
    if (cfg.path !== ':memory:') createPrivately(cfg.path);
    const sqlite = new SqliteDatabase(cfg.path);
    const path = cfg.path;
    const opened = path === ':memory:' ? undefined : statSync(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`);
    sqlite.pragma('foreign_keys = ON');
    const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
    let checkpointer: Checkpointer | undefined;
    if (opts.backgroundCheckpoints === true && cfg.path !== ':memory:') {
      checkpointer = startCheckpointer(sqlite, cfg.path, { ...(opts.onCheckpointError !== undefined ? { onError: opts.onCheckpointError } : {}) });
    }
    store = {
      db,
      dialect: 'sqlite',
      sqlite,
      sqlitePath: cfg.path === ':memory:' ? undefined : cfg.path,
      onConnectionError: () => undefined,
      fileProblem: () => (opened === undefined ? undefined : sqliteFileProblem(path, opened)),
      close: async () => {
        await checkpointer?.stop();
        await db.destroy();
      },
    };
  } else {
    const schema = opts.pgSchema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
    if (schema !== undefined) {
      const admin = new pg.Client({ connectionString: cfg.url });
      await admin.connect();
      try {
        await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      } finally {
        await admin.end();
      }
    }
    const pool = new pg.Pool({
      connectionString: cfg.url,
      max: opts.pgPoolSize ?? 10,
      // Seen in pg_stat_activity: an operator finds the gateway's sessions (and its locks).
      application_name: 'worv-proxy',
      types: pgTypes,
      connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
      keepAlive: true,
      ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
    });
    let listener: (err: Error) => void = () => undefined;
    // An idle connection that breaks is reported by the pool; a checked-out one by its client,
    // which has no listener of its own while checked out (an 'error' event with no listener
    // ends the process). Both are dropped from the pool; the next query opens a fresh one.
    pool.on('error', (err) => listener(err));
    pool.on('connect', (client) => {
      client.on('error', (err) => listener(err));
      // A statement, not a startup option: PGOPTIONS and a URL's own `options` stay the
      // operator's, and poolers such as PgBouncer refuse startup options they do not know.
      // Queued first, so it runs before the query the connection was opened for.
      client.query(SET_LOCK_TIMEOUT).catch((err: unknown) => listener(err as Error));
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    store = {
      db,
      dialect: 'postgres',
      sqlite: undefined,
      sqlitePath: undefined,
      onConnectionError: (l) => void (listener = l),
      fileProblem: () => undefined,
      close: () => db.destroy(),
    };
  }
  try {
    const journals = store.sqlite !== undefined && store.sqlitePath !== undefined ? unappliedOldJournals(store.sqlite, store.sqlitePath) : [];
    if (journals.length > 0) throw new Error(oldJournalsMessage(journals));
    const applied = await migrate(store, opts.pgSchema);
    if (applied.length > 0) opts.onMigrated?.(applied);
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}

/** The migrations the store has run, by name; none when it is new. */
async function executedMigrations(db: Kysely<Database>, pgSchema: string | undefined): Promise<string[]> {
  const table = pgSchema === undefined ? sql.table('kysely_migration') : sql.table(`${pgSchema}.kysely_migration`);
  try {
    return (await sql<{ name: string }>`select name from ${table}`.execute(db)).rows.map((r) => r.name);
  } catch {
    return []; // no migration table yet: a new store
  }
}

/**
 * Brings the store to this build's schema; returns the migrations applied to a store that had
 * run some before (an upgrade), none for a new store. A store migrated by a newer build is
 * refused by name rather than by the migrator's "corrupted migrations".
 */
async function migrate(store: Store, pgSchema: string | undefined): Promise<string[]> {
  if (store.dialect === 'sqlite') return migrateOn(store.db, store.dialect, pgSchema);
  // A schema change waits for the locks it needs however long they are held (other gateways'
  // requests end within seconds): on one connection, without the serving sessions' lock timeout.
  return store.db.connection().execute(async (conn) => {
    await sql`SET lock_timeout = 0`.execute(conn);
    try {
      return await migrateOn(conn, store.dialect, pgSchema);
    } finally {
      await sql.raw(SET_LOCK_TIMEOUT).execute(conn).catch(() => undefined);
    }
  });
}

async function migrateOn(db: Kysely<Database>, dialect: Store['dialect'], pgSchema: string | undefined): Promise<string[]> {
  const ran = await executedMigrations(db, pgSchema);
  const known = new Set(MIGRATION_NAMES);
  const newer = ran.filter((name) => !known.has(name)).sort();
  if (newer.length > 0) {
    throw new Error(
      `the store was upgraded by a newer worv-proxy: it has ${newer.length} change(s) this build does not know (${newer.join(', ')}). ` +
        'Run the newer build; to go back to this one, restore the backup taken before the upgrade',
    );
  }
  const migrator = new Migrator({
    db,
    provider: migrationProvider(dialect),
    // Migrations are numbered per change and may land out of number order: a database that
    // already ran a later one still gets an earlier one that arrived after it.
    allowUnorderedMigrations: true,
    ...(pgSchema !== undefined ? { migrationTableSchema: pgSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`, { cause: error });
  }
  return ran.length === 0 ? [] : (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
