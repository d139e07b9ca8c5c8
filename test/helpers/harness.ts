/**
 * The test stack: a vLLM simulator and a full gateway (createApp) on free ports, over a fresh
 * store (a temp SQLite file by default, or a fresh Postgres schema), plus helpers to create
 * keys and read usage. Every test that starts one must `await stack.close()`.
 *
 *   const stack = await startStack({ env: { PROXY_STREAM_READ_TIMEOUT: '0.3' } });
 *   const { key } = await stack.createKey();
 *   await fetch(`${stack.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
 *   await stack.close();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isoTime, type Clock } from '../../src/core/clock.js';
import { loadConfig, type Config } from '../../src/core/config.js';
import { createApp, type App } from '../../src/server/app.js';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { createApiKey, updateApiKey } from '../../src/store/api-keys.repo.js';
import { openStore, type Store } from '../../src/store/db.js';
import { POSTGRES_URL, dropSchema, freshSchema } from './dialects.js';

export interface StackOptions {
  /** Extra environment for loadConfig (VLLM_BASE_URL may use `{sim}` for the simulator's URL). */
  readonly env?: Readonly<Record<string, string>>;
  /** Simulator scenario; `false` starts no simulator (then set VLLM_BASE_URL yourself). */
  readonly simulator?: SimulatorOptions | false;
  /** `sqlite` (temp file, default) or `postgres` (fresh schema at TEST_POSTGRES_URL). */
  readonly database?: 'sqlite' | 'postgres';
  readonly clock?: Clock;
}

export interface KeyUsage {
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

export interface Stack {
  /** `http://127.0.0.1:<port>` of the gateway (no trailing slash). */
  readonly gatewayUrl: string;
  /** The simulator (throws when started with `simulator: false`). */
  readonly sim: Simulator;
  readonly app: App;
  readonly store: Store;
  readonly config: Config;
  /** Creates an active key; returns its id and the full key. */
  createKey(name?: string): Promise<{ id: string; key: string }>;
  /** Deactivates a key in the store (the gateway notices within its 1 s cache). */
  revokeKey(id: string): Promise<void>;
  /** The key's totals (zeros when it has none). */
  usage(keyId: string): Promise<KeyUsage>;
  /** The key's UTC-day bucket (zeros when absent). */
  dayUsage(keyId: string, day: string): Promise<KeyUsage>;
  /**
   * SQLite only: the key's committed totals read synchronously (the counters plus the usage
   * spool's entries not yet replayed), so a test can read the store at the exact instant an event
   * fires (e.g. when the client sees the end of a response).
   */
  usageNow(keyId: string): KeyUsage;
  /** The key's last use (`usage_totals.last_used_at`). */
  lastUsedAt(keyId: string): Promise<string | null>;
  close(): Promise<void>;
}

const ZERO: KeyUsage = { requests: 0, promptTokens: 0, completionTokens: 0 };

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  };
  try {
    let sim: Simulator | undefined;
    if (opts.simulator !== false) {
      const s = createSimulator(opts.simulator ?? {});
      await s.listen(0, '127.0.0.1');
      cleanups.push(() => s.close());
      sim = s;
    }
    const env: Record<string, string> = {
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      // The replicas' health probes (GET /metrics, /v1/models) stay out of the simulator's log
      // during a test unless the test asks for them (test/helpers/fleet-stack.ts does).
      PROXY_HEALTH_INTERVAL: '3600',
      VLLM_BASE_URL: sim?.url ?? 'http://127.0.0.1:9',
      ...opts.env,
    };
    if (sim !== undefined) env.VLLM_BASE_URL = (env.VLLM_BASE_URL ?? '').replaceAll('{sim}', sim.url);

    let store: Store;
    if (opts.database === 'postgres') {
      const schema = freshSchema();
      env.DATABASE_URL = POSTGRES_URL;
      store = await openStore({ kind: 'postgres', url: POSTGRES_URL }, { pgSchema: schema });
      cleanups.push(async () => {
        await store.close();
        await dropSchema(schema);
      });
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'worv-test-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      env.DATABASE_URL = `sqlite:${join(dir, 'proxy.db')}`;
      const cfg = loadConfig(env).database;
      store = await openStore(cfg, { backgroundCheckpoints: true });
      cleanups.push(() => store.close());
    }
    const config = loadConfig(env);
    const app = await createApp(config, { store, ...(opts.clock !== undefined ? { clock: opts.clock } : {}) });
    const { url } = await app.listen();
    cleanups.push(() => app.close());
    // The gateway probes the backend's /v1/models once at start-up; tests start with a clean log.
    await app.dataPlane.ready();
    sim?.clearRequests();

    const readTotals = async (keyId: string): Promise<KeyUsage> => {
      // Spooled commits are replayed into the counters first, as every reader in the gateway does.
      await app.usageWriter.drain();
      const row = await store.db.selectFrom('usage_totals').selectAll().where('key_id', '=', keyId).executeTakeFirst();
      return row === undefined
        ? ZERO
        : { requests: Number(row.requests), promptTokens: Number(row.prompt_tokens), completionTokens: Number(row.completion_tokens) };
    };

    return {
      gatewayUrl: url,
      get sim(): Simulator {
        if (sim === undefined) throw new Error('stack started without a simulator');
        return sim;
      },
      app,
      store,
      config,
      async createKey(name = 'test') {
        const created = await createApiKey(store.db, { name, createdAt: isoTime(Date.now()) });
        if (created === undefined) throw new Error('key collision');
        return created;
      },
      async revokeKey(id) {
        await updateApiKey(store.db, id, { isActive: false });
      },
      usage: readTotals,
      async dayUsage(keyId, day) {
        await app.usageWriter.drain();
        const row = await store.db
          .selectFrom('usage_daily')
          .selectAll()
          .where('key_id', '=', keyId)
          .where('day', '=', day)
          .executeTakeFirst();
        return row === undefined
          ? ZERO
          : { requests: Number(row.requests), promptTokens: Number(row.prompt_tokens), completionTokens: Number(row.completion_tokens) };
      },
      usageNow(keyId) {
        if (store.sqlite === undefined) throw new Error('usageNow needs the SQLite store');
        const row = store.sqlite
          .prepare('select requests, prompt_tokens, completion_tokens from usage_totals where key_id = ?')
          .get(keyId) as { requests: number; prompt_tokens: number; completion_tokens: number } | undefined;
        // What is committed: the counters plus the spooled increments not yet replayed.
        const j = app.usageWriter.spooled(keyId);
        return {
          requests: (row?.requests ?? 0) + j.requests,
          promptTokens: (row?.prompt_tokens ?? 0) + j.promptTokens,
          completionTokens: (row?.completion_tokens ?? 0) + j.completionTokens,
        };
      },
      async lastUsedAt(keyId) {
        await app.usageWriter.drain();
        const row = await store.db.selectFrom('usage_totals').select('last_used_at').where('key_id', '=', keyId).executeTakeFirst();
        return row?.last_used_at ?? null;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
