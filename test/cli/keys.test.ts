import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/core/api-key.js';
import { findApiKeyByHash } from '../../src/store/api-keys.repo.js';
import { openStore } from '../../src/store/db.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'worv-cli-'));
const env = { DATABASE_URL: `sqlite:${join(dir, 'cli.db')}` };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('worv-proxy keys', () => {
  let createdId = '';
  let fullKey = '';

  it('creates a random wp- key and prints it alone on the last line', async () => {
    const r = await runCli(['keys', 'create', '--name', 'laptop'], env);
    expect(r.code).toBe(0);
    // The file did not exist: the command says it made a new store, and which.
    expect(r.stderr).toBe(
      `worv-proxy: created a new store, SQLite ${join(dir, 'cli.db')}. A gateway uses this one only with the same DATABASE_URL (set it as for serve).\n`,
    );
    const lines = r.stdout.trimEnd().split('\n');
    fullKey = lines.at(-1) ?? '';
    expect(fullKey).toMatch(/^wp-[A-Za-z0-9_-]{43}$/);
    createdId = /Created key ([0-9a-f]+)/.exec(r.stdout)?.[1] ?? '';
    expect(createdId).toMatch(/^[0-9a-f]{16}$/);
    const store = await openStore({ kind: 'sqlite', path: join(dir, 'cli.db') });
    try {
      expect(await findApiKeyByHash(store.db, hashApiKey(fullKey))).toMatchObject({ id: createdId, name: 'laptop', isActive: true });
    } finally {
      await store.close();
    }
  });

  it('accepts an explicit key and refuses a duplicate', async () => {
    const ok = await runCli(['keys', 'create', '--name', 'ci', '--key', 'wp-explicit-key-0001'], env);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe(''); // the store exists now
    expect(ok.stdout.trimEnd().split('\n').at(-1)).toBe('wp-explicit-key-0001');
    const dup = await runCli(['keys', 'create', '--name', 'again', '--key', 'wp-explicit-key-0001'], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toBe('worv-proxy: Key already exists\n');
    const short = await runCli(['keys', 'create', '--name', 'short', '--key', 'wp-too-short'], env);
    expect(short.code).toBe(2);
    expect(short.stderr.split('\n')[0]).toBe('worv-proxy: keys create: key must be at least 20 characters');
  }, 60_000);

  it('lists keys by prefix, never the full key', async () => {
    const r = await runCli(['keys', 'list'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(createdId);
    expect(r.stdout).toContain(fullKey.slice(0, 11) + '…');
    expect(r.stdout).not.toContain(fullKey);
    expect(r.stdout).not.toContain('wp-explicit-key-0001');
    expect(r.stdout.split('\n')[0]).toMatch(/^ID\s+PREFIX\s+STATE\s+NAME\s+CREATED\s+LAST USED\s+REQUESTS\s+TOKENS\s+LIMITS$/);
  });

  it('deactivates and activates a key in the console\'s words (revoke is deactivate)', { timeout: 90_000 }, async () => {
    const r = await runCli(['keys', 'deactivate', createdId], env);
    expect([r.code, r.stdout]).toEqual([0, `Deactivated key ${createdId}. It stops working within a second.\n`]);
    const state = async () => (await runCli(['keys', 'list'], env)).stdout.split('\n').find((l) => l.startsWith(createdId));
    expect(await state()).toMatch(/\sinactive\s/);
    expect((await runCli(['keys', 'activate', createdId], env)).stdout).toBe(`Activated key ${createdId}. It works again within a second.\n`);
    expect((await runCli(['keys', 'revoke', createdId], env)).stdout).toBe(`Deactivated key ${createdId}. It stops working within a second.\n`);
    const missing = await runCli(['keys', 'deactivate', 'nope'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('worv-proxy: Key not found: nope\n');
  });

  it('renames a key with update --name, alone or with limits; refuses an empty name', { timeout: 90_000 }, async () => {
    const r = await runCli(['keys', 'update', createdId, '--name', '  renamed key '], env);
    expect([r.code, r.stdout]).toEqual([0, `Updated key ${createdId}. The change applies within a second.\n`]);
    const row = (await runCli(['keys', 'list'], env)).stdout.split('\n').find((l) => l.startsWith(createdId));
    expect(row).toMatch(/\srenamed key\s/);
    const both = await runCli(['keys', 'update', createdId, '--name', 'limited', '--rpm', '5'], env);
    expect(both.code).toBe(0);
    expect((await runCli(['keys', 'list'], env)).stdout.split('\n').find((l) => l.startsWith(createdId))).toMatch(/\slimited\s.*rpm=5$/);
    await runCli(['keys', 'update', createdId, '--name', 'two\nlines\tand a tab'], env);
    const shown = (await runCli(['keys', 'list'], env)).stdout.split('\n').filter((l) => l.startsWith(createdId));
    expect(shown).toHaveLength(1);
    expect(shown[0]).toContain('two\\nlines\\tand a tab');
    const empty = await runCli(['keys', 'update', createdId, '--name', ' '], env);
    expect([empty.code, empty.stderr.split('\n')[0]]).toEqual([2, 'worv-proxy: keys update: --name must be non-empty']);
  });

  it('deletes a key and its usage: it no longer authenticates nor lists; a second delete is Key not found', { timeout: 90_000 }, async () => {
    const made = await runCli(['keys', 'create', '--name', 'to-delete'], env);
    const id = /Created key (\S+) /.exec(made.stdout)?.[1] ?? '';
    const key = made.stdout.trimEnd().split('\n').at(-1) ?? '';
    const store = await openStore({ kind: 'sqlite', path: join(dir, 'cli.db') });
    try {
      expect(await findApiKeyByHash(store.db, hashApiKey(key))).toBeDefined();
      const r = await runCli(['keys', 'delete', id], env);
      expect([r.code, r.stdout]).toEqual([0, `Deleted key ${id} and its usage history. It stops working within a second.\n`]);
      expect(await findApiKeyByHash(store.db, hashApiKey(key))).toBeUndefined();
    } finally {
      await store.close();
    }
    expect((await runCli(['keys', 'list'], env)).stdout).not.toContain(id);
    const again = await runCli(['keys', 'delete', id], env);
    expect([again.code, again.stderr]).toEqual([1, `worv-proxy: Key not found: ${id}\n`]);
  });
});

describe('worv-proxy usage errors and configuration errors', () => {
  it.each([
    [['keys', 'create']],
    [['keys', 'create', '--name']],
    [['keys', 'create', '--name', 'x', '--bogus']],
    [['keys', 'revoke']],
    [['keys', 'delete']],
    [['keys', 'delete', 'a', 'b']],
    [['keys', 'frobnicate']],
    [['keys']],
    [['no-such-command']],
    [[]],
  ])('%j prints help and exits 2', async (args) => {
    const r = await runCli(args, env);
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toMatch(/Usage:/);
  });

  it('stops with exit 2 and one line naming a bad variable', async () => {
    const r = await runCli(['keys', 'list'], { ...env, MAX_OUTPUT_TOKENS: 'abc' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'worv-proxy: invalid configuration: MAX_OUTPUT_TOKENS must be an integer from 1 to 9007199254740991 (got "abc")\n',
    );
  });
});

describe('worv-proxy keys while another process holds the SQLite file locked', () => {
  it('prints one line naming the lock and exits 1, changing nothing; works once the lock is gone', async () => {
    const path = join(dir, 'locked.db');
    const lockedEnv = { DATABASE_URL: `sqlite:${path}` };
    expect((await runCli(['keys', 'create', '--name', 'first'], lockedEnv)).code).toBe(0);
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE; UPDATE settings SET key = key WHERE 0;');
    try {
      const r = await runCli(['keys', 'create', '--name', 'blocked'], lockedEnv);
      expect(r).toEqual({
        code: 1,
        stdout: '',
        stderr: 'worv-proxy: the store is unavailable: the database file is locked by another process. Each change is one transaction: nothing of it was applied; try again.\n',
      });
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    const list = await runCli(['keys', 'list'], lockedEnv);
    expect(list.stdout).toContain('first');
    expect(list.stdout).not.toContain('blocked');
  });
});

