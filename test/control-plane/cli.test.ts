import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/core/api-key.js';
import { GpuStatsResponse } from '../../src/shared/api-contract.js';
import { getAdminUser } from '../../src/store/admin-users.repo.js';
import { getApiKey, insertApiKey } from '../../src/store/api-keys.repo.js';
import { runCli } from '../helpers/run-cli.js';
import { sqliteFileStore, startAdminApp, type AdminApp } from './admin-app.js';

const ENTRY = fileURLToPath(new URL('../helpers/cli-entry.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'worv-cli-cp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

// Each case spawns the CLI through tsx, which takes seconds on a busy machine.
describe('worv-proxy admin set-password', { timeout: 120_000 }, () => {
  const spec = sqliteFileStore();
  afterAll(() => spec.dispose());

  it('creates, updates and re-applies; the user can sign in', async () => {
    const created = await runCli(['admin', 'set-password', '--username', 'ops', '--password', 'first-password'], spec.env);
    // The file did not exist yet: the command also says it created a new store.
    const path = (spec.env.DATABASE_URL ?? '').slice('sqlite:'.length);
    expect(created).toEqual({
      code: 0,
      stdout: 'Admin user ops created.\n',
      stderr: `worv-proxy: created a new store, SQLite ${path}. A gateway uses this one only with the same DATABASE_URL (set it as for serve).\n`,
    });
    const same = await runCli(['admin', 'set-password', '--username', 'ops', '--password', 'first-password'], spec.env);
    expect(same.stdout).toBe('Admin user ops already has this password; nothing changed.\n');
    const updated = await runCli(['admin', 'set-password', '--username', 'ops', '--password', 'second-password'], spec.env);
    expect(updated.stdout).toBe('Password of admin user ops updated; their console sessions were signed out.\n');

    const app = await startAdminApp({ storeSpec: spec, seedAdmin: false });
    closers.push(() => app.close());
    const user = await getAdminUser(app.store.db, 'ops');
    expect(user?.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(user?.passwordHash).not.toContain('second-password');
    expect((await app.request('POST', '/api/login', { body: { username: 'ops', password: 'second-password' } })).status).toBe(200);
  });

  it('reads the password from stdin with --password-stdin', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'admin', 'set-password', '--username', 'piped', '--password-stdin'], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...spec.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stdin.end('piped-password-1\n');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, stdout }).toEqual({ code: 0, stdout: 'Admin user piped created.\n' });
  });

  it('exits 2 with a one-line reason for bad invocations', async () => {
    const cases: Array<[string[], string]> = [
    [[], 'admin: missing subcommand'],
    [['reset'], 'admin: unknown subcommand "reset"'],
    [['set-password', '--password', 'long-enough-pw'], 'admin set-password: --username is required'],
    [['set-password', '--username', 'bad name', '--password', 'long-enough-pw'], 'admin set-password: --username may use letters, digits and . _ @ - (at most 64)'],
    [['set-password', '--username', 'u'], 'admin set-password: give exactly one of --password or --password-stdin'],
    [['set-password', '--username', 'u', '--password', 'short'], 'admin set-password: the password must be at least 8 characters'],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(['admin', ...args], spec.env)));
    expect(results.map((r) => [r.code, r.stderr.split('\n')[0]])).toEqual(cases.map(([, m]) => [2, `worv-proxy: ${m}`]));
  });
});

const B200_X8 = Array.from({ length: 8 }, (_, i) => `${i}, NVIDIA B200, ${90 + i}, 171234, 183359, ${60 + i}, ${i === 7 ? '[N/A]' : '903.47'}`).join('\n');

/** A fake `nvidia-smi` on PATH that insists on the agent's exact query. */
function fakeNvidiaSmi(): string {
  const bin = mkdtempSync(join(dir, 'bin-'));
  const script = `#!/bin/sh
if [ "$1" != "--query-gpu=index,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw" ] || [ "$2" != "--format=csv,noheader,nounits" ]; then
  echo "unexpected arguments: $*" >&2; exit 9
fi
cat <<'OUT'
${B200_X8}
OUT
`;
  writeFileSync(join(bin, 'nvidia-smi'), script);
  chmodSync(join(bin, 'nvidia-smi'), 0o755);
  return `${bin}:${process.env.PATH ?? ''}`;
}

describe('worv-proxy gpu-agent', { timeout: 120_000 }, () => {
  const KEY = 'wp-gpu-agent-cli-key';

  async function gateway(): Promise<AdminApp> {
    const app = await startAdminApp();
    closers.push(() => app.close());
    await insertApiKey(app.store.db, { id: 'agent', name: 'gpu', keyHash: hashApiKey(KEY), keyPrefix: 'wp-gpu', createdAt: '2026-01-01T00:00:00.000Z' });
    return app;
  }

  it('reads nvidia-smi and posts an 8-GPU reading end to end (--once), says so, and marks its key used', async () => {
    const app = await gateway();
    const r = await runCli(['gpu-agent', '--url', app.url, '--key', KEY, '--host', 'b200-node-1', '--once'], { PATH: fakeNvidiaSmi() });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`posted 8 GPU readings of b200-node-1 to ${app.url}\n`);
    const key = await getApiKey(app.store.db, 'agent');
    expect(Date.now() - Date.parse(key?.lastUsedAt ?? '')).toBeLessThan(60_000);
    const s = await app.login();
    const stats = GpuStatsResponse.parse((await app.request('GET', '/api/gpu-stats', { cookie: s.cookie })).json);
    expect(stats.latest.length).toBe(8);
    expect(stats.latest[0]).toMatchObject({ host: 'b200-node-1', index: 0, name: 'NVIDIA B200', utilization_pct: 90, temperature_c: 60, power_w: 903.47 });
    expect(stats.latest[7]).toMatchObject({ index: 7, utilization_pct: 97, power_w: null });
  });

  it('exits 1 without crashing when the gateway is down, the key is wrong or nvidia-smi is missing', async () => {
    const app = await gateway();
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const port = (free.address() as AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    const down = await runCli(['gpu-agent', '--url', `http://127.0.0.1:${port}`, '--key', KEY, '--once', '--interval', '0.1'], { PATH: fakeNvidiaSmi() });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`failed (fetch failed: connect ECONNREFUSED 127.0.0.1:${port}); retrying in 100 ms`);
    expect(down.stderr).not.toMatch(/\n\s+at /);
    const wrongKey = await runCli(['gpu-agent', '--url', app.url, '--key', 'wp-nope', '--once'], { PATH: fakeNvidiaSmi() });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('failed (HTTP 401 {"error":"Unauthorized"})');
    const noSmi = await runCli(['gpu-agent', '--url', app.url, '--key', KEY, '--once', '--command', join(dir, 'missing-nvidia-smi')]);
    expect(noSmi.code).toBe(1);
    expect(noSmi.stderr).toContain('nvidia-smi failed: spawn');
  });

  it('keeps posting through gateway errors with backoff and stops cleanly on SIGTERM', async () => {
    const statuses = [503, 503];
    let posts = 0;
    let third: () => void = () => undefined;
    const thirdPost = new Promise<void>((r) => (third = r));
    const server: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        posts += 1;
        const status = statuses.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"stored":8}' : '{"error":"Backend unavailable"}');
        if (posts === 3) third();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(() => r())));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', ENTRY, 'gpu-agent', '--url', `http://127.0.0.1:${(server.address() as AddressInfo).port}`, '--key', KEY, '--interval', '0.1'],
      { env: { PATH: fakeNvidiaSmi(), LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await thirdPost;
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('failed (HTTP 503 {"error":"Backend unavailable"}); retrying in 100 ms');
    expect(stderr).toContain('failed (HTTP 503 {"error":"Backend unavailable"}); retrying in 200 ms');
    expect(stderr.trimEnd().split('\n').at(-1)).toMatch(/gpu-agent: stopped$/);
  });

  it('exits 2 with a one-line reason for bad invocations', async () => {
    const cases: Array<[string[], string]> = [
    [['--key', 'k'], 'gpu-agent: --url is required'],
    [['--url', 'http://x'], 'gpu-agent: --key is required'],
    [['--url', 'ftp://x', '--key', 'k'], 'gpu-agent: --url must be an http(s) URL (got "ftp://x")'],
    [['--url', 'http://x', '--key', 'k', '--interval', '0'], 'gpu-agent: --interval must be a number of seconds from 0.1 to 3600'],
    [['--url', 'http://x', '--key', 'k', '--interval', 'soon'], 'gpu-agent: --interval must be a number of seconds from 0.1 to 3600'],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(['gpu-agent', ...args])));
    expect(results.map((r) => [r.code, r.stderr.split('\n')[0]])).toEqual(cases.map(([, m]) => [2, `worv-proxy: ${m}`]));
  });
});
