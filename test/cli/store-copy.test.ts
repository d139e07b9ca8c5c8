// `worv-proxy store copy`: a gateway's SQLite store moved into a new Postgres database (keys keep
// working, usage, admins, run-time backends and the request log come along), then back into a
// new SQLite file; a source still served, and a target that is not empty, are refused.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { openStore } from '../../src/store/db.js';
import { countRequestLog } from '../../src/store/request-log.repo.js';
import { postgresUnavailableReason, POSTGRES_URL } from '../helpers/dialects.js';
import { runCli } from '../helpers/run-cli.js';
import { spawnServe } from '../helpers/serve-process.js';

const pgSkip = await postgresUnavailableReason();
if (pgSkip !== undefined) console.warn(`[skip postgres] ${pgSkip}`);

const dir = mkdtempSync(join(tmpdir(), 'worv-store-copy-'));

async function admin(q: string): Promise<void> {
  const c = new pg.Client({ connectionString: POSTGRES_URL });
  await c.connect();
  try {
    await c.query(q);
  } finally {
    await c.end();
  }
}

interface Totals {
  readonly requests: number;
  readonly prompt: number;
  readonly completion: number;
}

async function totalsIn(url: string, keyId: string): Promise<{ totals: Totals; logged: number; backends: string[]; admins: number }> {
  const store = await openStore(url.startsWith('sqlite:') ? { kind: 'sqlite', path: url.slice('sqlite:'.length) } : { kind: 'postgres', url });
  try {
    const t = await store.db.selectFrom('usage_totals').selectAll().where('key_id', '=', keyId).executeTakeFirstOrThrow();
    const backends = (await store.db.selectFrom('backends').select('url').execute()).map((b) => b.url);
    const admins = (await store.db.selectFrom('admin_users').select('username').execute()).length;
    return { totals: { requests: Number(t.requests), prompt: Number(t.prompt_tokens), completion: Number(t.completion_tokens) }, logged: await countRequestLog(store.db), backends, admins };
  } finally {
    await store.close();
  }
}

describe.skipIf(pgSkip !== undefined)('worv-proxy store copy', () => {
  const pgName = `store_copy_${randomBytes(5).toString('hex')}`;
  const pgUrl = (() => {
    const u = new URL(POSTGRES_URL);
    u.pathname = `/${pgName}`;
    return u.toString();
  })();
  let sim: Simulator;
  beforeAll(async () => {
    await admin(`CREATE DATABASE ${pgName}`);
    sim = createSimulator({});
    await sim.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await sim?.close();
    await admin(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('SQLite → Postgres → SQLite: keys keep working, usage, admins, backends and the request log come along', { timeout: 120_000 }, async () => {
    const sqliteUrl = `sqlite:${join(dir, 'proxy.db')}`;
    const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', VLLM_BASE_URL: sim.url };
    const created = await runCli(['keys', 'create', '--name', 'team-a', '--rpm', '100'], { ...env, DATABASE_URL: sqliteUrl });
    expect(created.code).toBe(0);
    const key = created.stdout.trimEnd().split('\n').at(-1)!;
    const keyId = /Created key ([0-9a-f]+)/.exec(created.stdout)![1]!;
    expect((await runCli(['admin', 'set-password', '--username', 'admin', '--password', 'long-enough-pw'], { ...env, DATABASE_URL: sqliteUrl })).code).toBe(0);
    expect((await runCli(['backends', 'add', 'http://10.0.0.9:8000'], { ...env, DATABASE_URL: sqliteUrl })).code).toBe(0);

    const serve = await spawnServe({ ...env, DATABASE_URL: sqliteUrl });
    const chat = () =>
      fetch(`${serve.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim-model', max_tokens: 8, messages: [{ role: 'user', content: 'hello' }] }),
      });
    for (let i = 0; i < 3; i++) expect((await chat()).status).toBe(200);
    // While a gateway serves the file, the copy is refused: also a second one, after the first
    // (which started alone) has stopped.
    const second = await spawnServe({ ...env, DATABASE_URL: sqliteUrl });
    serve.child.kill('SIGTERM');
    expect((await serve.exited).code).toBe(0);
    const busy = await runCli(['store', 'copy', '--to', pgUrl], { ...env, DATABASE_URL: sqliteUrl });
    expect([busy.code, busy.stderr]).toEqual([1, `worv-proxy: store copy: a gateway is serving SQLite ${join(dir, 'proxy.db')}: stop it first, so that no usage is written during the copy\n`]);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    const before = await totalsIn(sqliteUrl, keyId);
    expect(before.totals.requests).toBe(3);
    expect(before.logged).toBe(3);

    const copy = await runCli(['store', 'copy', '--to', pgUrl], { ...env, DATABASE_URL: sqliteUrl });
    expect(copy.code).toBe(0);
    expect(copy.stdout).toContain('api_keys         1 row\n');
    expect(copy.stdout).toContain('request_log      3 rows\n');
    expect(copy.stdout).toMatch(/Copied SQLite .* into Postgres .* in \d+ ms\. Set DATABASE_URL to the new store for every gateway; admins sign in again\.\n$/);
    expect(await totalsIn(pgUrl, keyId)).toEqual(before);

    // A gateway on the new store: the same key works, its usage continues from the copied totals,
    // the admin signs in with the same password, and new request-log ids follow the copied ones.
    const onPg = await spawnServe({ ...env, DATABASE_URL: pgUrl });
    try {
      const r = await fetch(`${onPg.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim-model', max_tokens: 8, messages: [{ role: 'user', content: 'again' }] }),
      });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-ratelimit-limit-requests')).toBe('100');
      const login = await fetch(`${onPg.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'long-enough-pw' }) });
      expect(login.status).toBe(200);
    } finally {
      onPg.child.kill('SIGTERM');
      await onPg.exited;
    }
    const after = await totalsIn(pgUrl, keyId);
    expect(after.totals.requests).toBe(4);
    expect(after.logged).toBe(4);

    // Into a store that is not empty: refused, nothing written.
    const again = await runCli(['store', 'copy', '--to', pgUrl], { ...env, DATABASE_URL: sqliteUrl });
    expect([again.code, again.stderr]).toEqual([1, 'worv-proxy: store copy: the target store is not empty (api_keys has 1 row): copy only into a new, empty store\n']);
    expect((await totalsIn(pgUrl, keyId)).totals.requests).toBe(4);

    // And back into a new SQLite file, without the request log.
    const back = `sqlite:${join(dir, 'back.db')}`;
    const home = await runCli(['store', 'copy', '--to', back, '--without-request-log'], { ...env, DATABASE_URL: pgUrl });
    expect(home.code).toBe(0);
    expect(await totalsIn(back, keyId)).toEqual({ ...after, logged: 0 });

    // With a request log of a real size (every column bound, thousands of rows): into SQLite too,
    // whose statements take fewer parameters than Postgres's.
    const logged = new pg.Client({ connectionString: pgUrl });
    await logged.connect();
    try {
      // The four rows logged so far, 625 times each: every column filled as the gateway fills it.
      const cols = (await logged.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'request_log' AND column_name <> 'id'")).rows.map((r) => r.column_name);
      expect(cols.length).toBeGreaterThan(30);
      await logged.query(`INSERT INTO request_log (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM request_log, generate_series(1, 625)`);
    } finally {
      await logged.end();
    }
    const full = `sqlite:${join(dir, 'full.db')}`;
    const whole = await runCli(['store', 'copy', '--to', full], { ...env, DATABASE_URL: pgUrl });
    expect([whole.code, whole.stderr]).toEqual([0, '']);
    expect(whole.stdout).toContain('request_log      2504 rows\n');
    expect(await totalsIn(full, keyId)).toEqual({ ...after, logged: 2504 });
  });

  it('usage errors: no subcommand, no --to, a --to that is not a store', async () => {
    const none = await runCli(['store'], {});
    expect([none.code, none.stderr.split('\n')[0]]).toEqual([2, 'worv-proxy: store: missing subcommand']);
    const noTo = await runCli(['store', 'copy'], {});
    expect([noTo.code, noTo.stderr.split('\n')[0]]).toEqual([2, 'worv-proxy: store copy: --to is required']);
    const bad = await runCli(['store', 'copy', '--to', 'mysql://x'], {});
    expect([bad.code, bad.stderr.split('\n')[0]]).toEqual([2, 'worv-proxy: store copy: --to must be sqlite:PATH, sqlite::memory: or postgres://user@host:port/db (got "mysql://x")']);
  });
});
