// Any failure to open the store or the port at start-up is one line naming the cause, and exit 2.
import { runCli } from '../helpers/run-cli.js';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { afterAll, describe, expect, it } from 'vitest';
import { closedPortUrl } from '../e2e/support.js';

const ENTRY = fileURLToPath(new URL('../helpers/cli-entry.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'worv-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function serve(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'serve'], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'silent', VLLM_BASE_URL: 'http://127.0.0.1:9', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('serve start-up failures', () => {
  it('a Postgres server that refuses connections: one line, exit 2, no password shown', async () => {
    const port = new URL(await closedPortUrl()).port;
    const r = await serve({ PORT: '0', DATABASE_URL: `postgres://gw:s3cret@127.0.0.1:${port}/proxy` });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`worv-proxy: cannot open the store (Postgres 127.0.0.1:${port}/proxy): connection refused\n`);
  }, 60_000);

  it('the CLI on a Postgres server that refuses connections: one line, exit 2, as serve', async () => {
    const port = new URL(await closedPortUrl()).port;
    for (const args of [['keys', 'list'], ['admin', 'set-password', '--username', 'a', '--password', 'long-enough'], ['backends', 'list']]) {
      const r = await runCli(args, { DATABASE_URL: `postgres://gw:s3cret@127.0.0.1:${port}/proxy` });
      expect([r.code, r.stderr], args.join(' ')).toEqual([2, `worv-proxy: cannot open the store (Postgres 127.0.0.1:${port}/proxy): connection refused\n`]);
    }
  }, 60_000);

  it('a store upgraded by this build says so once; one a newer build upgraded is refused by name, not as "corrupted"', async () => {
    const path = join(dir, 'upgrade.db');
    const env = { DATABASE_URL: `sqlite:${path}` };
    expect((await runCli(['keys', 'list'], env)).code).toBe(0);
    // As the store was before this build's last change.
    const db = new Database(path);
    db.exec("ALTER TABLE request_log DROP COLUMN route; DELETE FROM kysely_migration WHERE name = '2026_12_07_0001_request_log_route'");
    db.close();
    const upgraded = await runCli(['keys', 'list'], env);
    expect([upgraded.code, upgraded.stderr]).toEqual([
      0,
      `worv-proxy: upgraded the store (SQLite ${path}): applied 1 change(s): 2026_12_07_0001_request_log_route. An older worv-proxy can no longer open it\n`,
    ]);
    expect((await runCli(['keys', 'list'], env)).stderr).toBe('');

    const newer = new Database(path);
    newer.prepare('INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)').run('2099_01_01_0001_future_change', new Date().toISOString());
    newer.close();
    const refused = `worv-proxy: cannot open the store (SQLite ${path}): the store was upgraded by a newer worv-proxy: it has 1 change(s) this build does not know (2099_01_01_0001_future_change). Run the newer build; to go back to this one, restore the backup taken before the upgrade\n`;
    const cli = await runCli(['keys', 'list'], env);
    expect([cli.code, cli.stderr]).toEqual([2, refused]);
    const r = await serve({ PORT: '0', ...env });
    expect([r.code, r.stderr]).toEqual([2, refused]);
  }, 60_000);

  it('a store of a build from before the usage spool, with usage journals it had not applied: refused before anything is migrated', async () => {
    const path = join(dir, 'journals.db');
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(path) }) });
    expect((await new Migrator({ db: old, provider: migrationProvider('sqlite') }).migrateTo('2026_11_26_0001_usage_journal_marks')).error).toBeUndefined();
    await old.destroy();
    const journal = join(dir, 'journals.db.usage-00000000-0000-4000-8000-000000000001.journal');
    writeFileSync(journal, '{"seq":1}\n');
    const env = { DATABASE_URL: `sqlite:${path}` };
    const refused = `worv-proxy: cannot open the store (SQLite ${path}): usage of the build that last served this store waits in 1 journal file(s) it had not applied (${journal}): start that build once (it applies them at start), stop it with SIGTERM, then start this one; this build cannot apply them, and the store is left as it was\n`;
    expect(await runCli(['keys', 'list'], env).then((r) => [r.code, r.stderr])).toEqual([2, refused]);
    const r = await serve({ PORT: '0', ...env });
    expect([r.code, r.stderr]).toEqual([2, refused]);
    const check = new Database(path);
    expect(check.prepare("select count(*) as n from kysely_migration where name = '2026_12_04_0001_usage_spool'").get()).toEqual({ n: 0 });
    check.close();
    // Once the old build applied and removed them, this one upgrades the store.
    rmSync(journal);
    const upgraded = await runCli(['keys', 'list'], env);
    expect(upgraded.code).toBe(0);
    expect(upgraded.stderr).toMatch(/^worv-proxy: upgraded the store \(SQLite .*\): applied \d+ change\(s\): 2026_12_04_0001_usage_spool, /);
  }, 60_000);

  it('a bad request-log setting: one line naming the variable, exit 2', async () => {
    const r = await serve({ PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'cfg.db')}`, REQUEST_LOG_DAYS: 'two weeks' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('worv-proxy: invalid configuration: REQUEST_LOG_DAYS must be an integer from 0 to 3650 (got "two weeks")\n');
  }, 60_000);

  it('a models file that gives a model twice: one line naming the variable, the model and the file, exit 2', async () => {
    const file = join(dir, 'models.json');
    writeFileSync(file, '{\n  "GLM-5.1": { "profile": "glm-5" },\n  "GLM-5.1": { "maxOutputTokens": 8192 }\n}\n');
    const r = await serve({ PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'cfg.db')}`, PROXY_MODELS_FILE: file });
    expect([r.code, r.stderr]).toEqual([
      2,
      `worv-proxy: invalid configuration: PROXY_MODELS_FILE must be an object of model name → { profile, contextTokens, maxOutputTokens, affinityHold, replicaSlots } ("GLM-5.1" is given twice) (got "${file}")\n`,
    ]);
  }, 60_000);

  it('a file that is not a SQLite database: one line, exit 2', async () => {
    const path = join(dir, 'not-a-db.db');
    writeFileSync(path, 'this is not a database, just text that is long enough to have a header page'.repeat(20));
    const r = await serve({ PORT: '0', DATABASE_URL: `sqlite:${path}` });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`worv-proxy: cannot open the store (SQLite ${path}): the file is not a SQLite database\n`);
  }, 60_000);

  it('a spool folder that cannot be made: one line naming the folder and PROXY_SPOOL_DIR, exit 2', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const line = (folder: string, why: string) =>
      `worv-proxy: cannot start: the usage spool folder ${folder} (PROXY_SPOOL_DIR) cannot be written: ${why}\n`;
    for (const folder of [join(file, 'spool'), file]) {
      const r = await serve({ PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'spool-dir.db')}`, PROXY_SPOOL_DIR: folder });
      expect([r.code, r.stderr], folder).toEqual([2, line(folder, 'a file, not a folder, is in its path')]);
      expect(r.stdout).not.toContain('listening on');
    }
  }, 60_000);

  // Where nothing can be made (/proc), Node's recursive mkdir never returned: serve hung silently.
  it('a store file or spool folder under a folder where nothing can be made: one line, exit 2', async () => {
    const db = await serve({ PORT: '0', DATABASE_URL: 'sqlite:/proc/worv-nope/proxy.db' });
    expect([db.code, db.stderr]).toEqual([2, 'worv-proxy: cannot open the store (SQLite /proc/worv-nope/proxy.db): a folder in its path does not exist and cannot be made there\n']);
    const keys = await runCli(['keys', 'list'], { DATABASE_URL: 'sqlite:/proc/worv-nope/proxy.db' });
    expect([keys.code, keys.stderr]).toEqual([2, 'worv-proxy: cannot open the store (SQLite /proc/worv-nope/proxy.db): a folder in its path does not exist and cannot be made there\n']);
    const spool = await serve({ PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'spool-proc.db')}`, PROXY_SPOOL_DIR: '/proc/worv-nope/spool' });
    expect([spool.code, spool.stderr]).toEqual([
      2,
      'worv-proxy: cannot start: the usage spool folder /proc/worv-nope/spool (PROXY_SPOOL_DIR) cannot be written: a folder in its path does not exist and cannot be made there\n',
    ]);
  }, 60_000);

  // Root writes anywhere: only an unprivileged user sees a folder's permissions refuse it.
  it.skipIf(process.getuid?.() === 0)('a spool folder it may not write: one line naming the folder and PROXY_SPOOL_DIR, exit 2', async () => {
    const folder = join(dir, 'read-only');
    mkdirSync(folder, { mode: 0o500 });
    const r = await serve({ PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'spool-ro.db')}`, PROXY_SPOOL_DIR: folder });
    expect([r.code, r.stderr]).toEqual([2, `worv-proxy: cannot start: the usage spool folder ${folder} (PROXY_SPOOL_DIR) cannot be written: permission denied\n`]);
  }, 60_000);

  it('a port in use: one line, exit 2', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const r = await serve({ PORT: String(port), DATABASE_URL: `sqlite:${join(dir, 'ok.db')}` });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`worv-proxy: cannot listen on 127.0.0.1:${port}: address already in use (another process listens there)\n`);
      expect(r.stdout).not.toContain('listening on');
    } finally {
      holder.close();
    }
  }, 60_000);
});
