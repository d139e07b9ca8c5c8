// `worv-proxy backends list | add | remove` against a store file, with the exact output and
// exit codes (usage errors 2, refusals 1).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listBackendChanges } from '../../src/store/backends.repo.js';
import { openStore } from '../../src/store/db.js';
import { runCli } from '../helpers/run-cli.js';
import { spawnServe } from '../helpers/serve-process.js';
import { holdSqliteLock } from '../faults/sqlite-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'worv-cli-backends-'));
const env = { DATABASE_URL: `sqlite:${join(dir, 'cli.db')}`, VLLM_BASE_URL: 'http://gpu1:8000,http://gpu2:8000' };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('worv-proxy backends', () => {
  it('lists the environment backends, adds one, refuses a duplicate and a bad URL', { timeout: 120_000 }, async () => {
    const list = await runCli(['backends', 'list'], env);
    expect([list.code, list.stdout]).toEqual([0, 'URL               SOURCE  STATE\nhttp://gpu1:8000  env     in use\nhttp://gpu2:8000  env     in use\n']);
    const add = await runCli(['backends', 'add', 'HTTP://GPU3:8000/'], env);
    expect([add.code, add.stdout]).toEqual([0, 'Added backend http://gpu3:8000. Gateways use it within a second.\n']);
    const dup = await runCli(['backends', 'add', 'http://gpu1:8000'], env);
    expect([dup.code, dup.stderr]).toEqual([1, 'worv-proxy: Backend already in use: http://gpu1:8000\n']);
    const bad = await runCli(['backends', 'add', 'http://gpu4:8000/v1'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe('worv-proxy: backends add: url must be a bare origin (scheme, host and optional port), without a path, query or fragment');
    const none = await runCli(['backends', 'add'], env);
    expect([none.code, none.stderr.split('\n')[0]]).toEqual([2, 'worv-proxy: backends add: exactly one URL is required']);
  });

  it('removes an environment backend and an added one; refuses an unknown one and the last', { timeout: 120_000 }, async () => {
    const r1 = await runCli(['backends', 'remove', 'http://gpu1:8000'], env);
    expect([r1.code, r1.stdout]).toEqual([0, 'Removed backend http://gpu1:8000. Gateways send it no new request within a second; requests in flight finish.\n']);
    const list = await runCli(['backends', 'list'], env);
    expect(list.stdout).toBe('URL               SOURCE  STATE\nhttp://gpu2:8000  env     in use\nhttp://gpu3:8000  added   in use\nhttp://gpu1:8000  env     removed\n');
    const unknown = await runCli(['backends', 'remove', 'http://gpu9:8000'], env);
    // It names the VLLM_BASE_URL it read: a shell without the gateway's sees other backends.
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      "worv-proxy: Backend not found: http://gpu9:8000 (the backends of VLLM_BASE_URL here: http://gpu1:8000, http://gpu2:8000; give the command the gateway's VLLM_BASE_URL)\n",
    ]);
    expect((await runCli(['backends', 'remove', 'http://gpu3:8000'], env)).code).toBe(0);
    const last = await runCli(['backends', 'remove', 'http://gpu2:8000'], env);
    expect([last.code, last.stderr]).toEqual([1, 'worv-proxy: The last backend cannot be removed\n']);
    const store = await openStore({ kind: 'sqlite', path: join(dir, 'cli.db') });
    try {
      // An added backend removed is forgotten; only the environment's removal is remembered.
      expect((await listBackendChanges(store.db)).map((c) => [c.url, c.state])).toEqual([['http://gpu1:8000', 'removed']]);
    } finally {
      await store.close();
    }
    // So naming it in VLLM_BASE_URL later puts it in use.
    const named = await runCli(['backends', 'list'], { ...env, VLLM_BASE_URL: 'http://gpu2:8000,http://gpu3:8000' });
    expect(named.stdout).toBe('URL               SOURCE  STATE\nhttp://gpu2:8000  env     in use\nhttp://gpu3:8000  env     in use\n');
  });

  it('waits out another process holding the write lock (a gateway committing), within the busy timeout', { timeout: 120_000 }, async () => {
    const path = join(dir, 'locked.db');
    const lockedEnv = { DATABASE_URL: `sqlite:${path}`, VLLM_BASE_URL: 'http://gpu1:8000' };
    expect((await runCli(['backends', 'list'], lockedEnv)).code).toBe(0); // creates and migrates the file
    for (const args of [['backends', 'add', 'http://gpu5:8000'], ['backends', 'remove', 'http://gpu5:8000']]) {
      const lock = await holdSqliteLock(path);
      const run = runCli(args, lockedEnv);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await lock.release();
      const r = await run;
      expect([args[1], r.code, r.stderr]).toEqual([args[1], 0, '']);
    }
    expect((await runCli(['backends', 'list'], lockedEnv)).stdout).toBe('URL               SOURCE  STATE\nhttp://gpu1:8000  env     in use\n');
  });

  it('adding back a removed environment backend undoes the removal: it stays the environment\'s', { timeout: 120_000 }, async () => {
    const again = await runCli(['backends', 'add', 'http://gpu1:8000'], env);
    expect([again.code, again.stdout]).toEqual([0, 'Added backend http://gpu1:8000 back: its removal is undone. Gateways whose VLLM_BASE_URL lists it use it again within a second.\n']);
    const list = await runCli(['backends', 'list'], env);
    expect(list.stdout).toBe('URL               SOURCE  STATE\nhttp://gpu1:8000  env     in use\nhttp://gpu2:8000  env     in use\n');
    // Taken out of VLLM_BASE_URL, it is not used any more (no `added` row keeps it).
    const without = await runCli(['backends', 'list'], { ...env, VLLM_BASE_URL: 'http://gpu2:8000' });
    expect(without.stdout).toBe('URL               SOURCE  STATE\nhttp://gpu2:8000  env     in use\n');
  });

  it('serve names the backends in use, and each of VLLM_BASE_URL that a stored removal keeps out', { timeout: 60_000 }, async () => {
    const own = { DATABASE_URL: `sqlite:${join(dir, 'banner.db')}`, VLLM_BASE_URL: 'http://127.0.0.1:9,http://127.0.0.1:19' };
    expect((await runCli(['backends', 'remove', 'http://127.0.0.1:9'], own)).code).toBe(0);
    const serve = await spawnServe({ ...own, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }, (out) => out.includes('Admin console'));
    try {
      const lines = serve.output().split('\n');
      expect(lines[0]).toBe(`worv-proxy listening on ${serve.url} (backend http://127.0.0.1:19; store SQLite ${join(dir, 'banner.db')})`);
      expect(lines[1]).toBe('Not in use:         http://127.0.0.1:9 (in VLLM_BASE_URL, taken out with `backends remove`; `npx worv-proxy backends add http://127.0.0.1:9` puts it back)');
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });
});
