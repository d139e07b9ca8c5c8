// Two real gateway processes on one store (a SQLite file, then a Postgres database): a backend
// added or removed with `worv-proxy backends` is applied by both within about a second.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { createApiKey } from '../../src/store/api-keys.repo.js';
import { openStore } from '../../src/store/db.js';
import { postgresUnavailableReason, POSTGRES_URL } from '../helpers/dialects.js';
import { runCli } from '../helpers/run-cli.js';
import { spawnServe, type ServeProcess } from '../helpers/serve-process.js';
import { postJson } from './support.js';

const pgSkip = await postgresUnavailableReason();
const USER = { role: 'user', content: 'Three primes greater than 100.' };

/** Polls `check` every 50 ms; resolves with the ms it took, throws after `timeoutMs`. */
async function within(timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  while (!(await check())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return performance.now() - t0;
}

interface Db {
  readonly url: string;
  dispose(): Promise<void>;
}

function sqliteDb(): Db {
  const dir = mkdtempSync(join(tmpdir(), 'worv-backends-'));
  return { url: `sqlite:${join(dir, 'proxy.db')}`, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function postgresDb(): Promise<Db> {
  const name = `backends_${randomBytes(5).toString('hex')}`;
  const admin = async (q: string): Promise<void> => {
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    await c.query(q);
    await c.end();
  };
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(POSTGRES_URL);
  u.pathname = `/${name}`;
  return { url: u.toString(), dispose: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

const dialects = [
  ['a SQLite file', async () => sqliteDb(), undefined],
  ['a Postgres database', postgresDb, pgSkip],
] as const;

describe('two gateway processes sharing one store', () => {
  let glm: Simulator;
  let kimi: Simulator;
  beforeAll(async () => {
    glm = createSimulator({ model: 'GLM-5.1' });
    kimi = createSimulator({ model: 'Kimi-K2.6' });
    await glm.listen(0, '127.0.0.1');
    await kimi.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await glm.close();
    await kimi.close();
  });

  for (const [where, open, skip] of dialects) {
    it.skipIf(skip !== undefined)(`on ${where}: both apply a backend added and removed with the CLI within 2 s`, { timeout: 180_000 }, async () => {
      const db = await open();
      const gateways: ServeProcess[] = [];
      try {
        const dbUrl = db.url;
        const store = await openStore(dbUrl.startsWith('sqlite:') ? { kind: 'sqlite', path: dbUrl.slice(7) } : { kind: 'postgres', url: dbUrl });
        const key = (await createApiKey(store.db, { name: 'shared', createdAt: new Date().toISOString() }))?.key ?? '';
        await store.close();
        const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATABASE_URL: dbUrl, VLLM_BASE_URL: glm.url, PROXY_HEALTH_INTERVAL: '0.5' };
        gateways.push(await spawnServe(env), await spawnServe(env));
        const kimiStatus = async (g: ServeProcess): Promise<number> => {
          const r = await postJson(g.url, '/v1/chat/completions', key, { model: 'Kimi-K2.6', messages: [USER] });
          await r.arrayBuffer();
          return r.status;
        };
        for (const g of gateways) expect(await kimiStatus(g)).toBe(404);

        const add = await runCli(['backends', 'add', kimi.url], env);
        expect([add.code, add.stdout, add.stderr]).toEqual([0, `Added backend ${kimi.url}. Gateways use it within a second.\n`, '']);
        const t0 = performance.now();
        for (const g of gateways) await within(2000, async () => (await kimiStatus(g)) === 200);
        const addedMs = performance.now() - t0;
        // The CLI process's exit is counted in neither; both gateways were routing there within 2 s.
        expect(addedMs).toBeLessThan(2000);

        const remove = await runCli(['backends', 'remove', kimi.url], env);
        expect(remove.code).toBe(0);
        const t1 = performance.now();
        for (const g of gateways) await within(2000, async () => (await kimiStatus(g)) === 404);
        expect(performance.now() - t1).toBeLessThan(2000);
        kimi.clearRequests();
        for (const g of gateways) expect(await kimiStatus(g)).toBe(404);
        expect(kimi.requests.filter((r) => r.method === 'POST')).toEqual([]);
      } finally {
        for (const g of gateways) {
          g.child.kill('SIGTERM');
          await g.exited;
        }
        await db.dispose();
      }
    });
  }
});
