// `keys create` / `keys update` limit flags (`none` clears one) and the LIMITS column of `keys list`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'worv-cli-limits-'));
const env = { DATABASE_URL: `sqlite:${join(dir, 'cli.db')}` };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = async (id: string): Promise<string> => {
  const list = await runCli(['keys', 'list'], env);
  return list.stdout.split('\n').find((l) => l.startsWith(id)) ?? '';
};

describe('worv-proxy keys limits', () => {
  it('creates with every flag, updates one, clears others with none; list shows them', async () => {
    const c = await runCli(
      ['keys', 'create', '--name', 'team', '--rpm', '20', '--tpm', '50000', '--concurrency', '2', '--daily-tokens', '100000',
        '--monthly-tokens', '2000000', '--models', 'sim-model,other', '--expires', '2099-01-31T00:00:00Z', '--priority', 'high'],
      env,
    );
    expect(c.code).toBe(0);
    const id = /Created key ([0-9a-f]+)/.exec(c.stdout)?.[1] ?? '';
    expect(await row(id)).toMatch(
      /rpm=20 tpm=50000 concurrency=2 daily=100000 monthly=2000000 models=sim-model,other expires=2099-01-31T00:00:00.000Z priority=high$/,
    );
    const u = await runCli(['keys', 'update', id, '--rpm', '30', '--tpm', 'none', '--models', 'none', '--priority', 'normal'], env);
    expect(u).toMatchObject({ code: 0, stdout: `Updated key ${id}. The change applies within a second.\n` });
    expect(await row(id)).toMatch(/rpm=30 concurrency=2 daily=100000 monthly=2000000 expires=2099-01-31T00:00:00.000Z$/);
    await runCli(['keys', 'update', id, '--rpm', 'none', '--concurrency', 'none', '--daily-tokens', 'none', '--monthly-tokens', 'none', '--expires', 'none'], env);
    expect(await row(id)).toMatch(/\s-$/);
  }, 120_000);

  it.each([
    [['keys', 'create', '--name', 'x', '--rpm', '0'], 'keys create: --rpm must be a positive integer or none'],
    [['keys', 'create', '--name', 'x', '--tpm', '1.5'], 'keys create: --tpm must be a positive integer or none'],
    // A negative value reaches the command's own check (parseArgs alone calls it ambiguous).
    [['keys', 'update', 'abc', '--rpm', '-5'], 'keys update: --rpm must be a positive integer or none'],
    [['keys', 'create', '--name', 'x', '--daily-tokens', '-1'], 'keys create: --daily-tokens must be a positive integer or none'],
    [['keys', 'create', '--name', 'x', '--priority', 'urgent'], 'keys create: --priority must be low, normal or high'],
    [['keys', 'create', '--name', 'x', '--expires', 'tomorrow'], 'keys create: --expires must be an ISO-8601 time (e.g. 2027-01-31T00:00:00Z) or none'],
    [
      ['keys', 'create', '--name', 'x', '--expires', '2020-01-01'],
      'keys create: --expires 2020-01-01 (2020-01-01T00:00:00.000Z) is not in the future: the key would be refused as expired from the start',
    ],
    // A repeated flag used to keep its last value without a word.
    [['keys', 'create', '--name', 'x', '--rpm', '10', '--rpm', '20'], 'worv-proxy: --rpm is given more than once'],
    [['keys', 'create', '--name', 'x', '--models', 'a,,b'], 'keys create: --models must be model names separated by commas, or none'],
    [['keys', 'create', '--name', 'x', '--rpm', '9007199254740993'], 'keys create: --rpm must be at most 9007199254740991'],
    [['keys', 'update', 'abc'], 'keys update: nothing to change (give at least one flag)'],
    [['keys', 'update', '--rpm', '3'], 'keys update: exactly one key ID is required'],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const r = await runCli(args, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('list: STATE expired for an active key past its expiry (update may set a past time), inactive when deactivated', async () => {
    const c = await runCli(['keys', 'create', '--name', 'temp', '--expires', '2099-01-01'], env);
    const id = /Created key ([0-9a-f]+)/.exec(c.stdout)?.[1] ?? '';
    const state = async () => (await row(id)).split(/\s+/)[2];
    expect(await state()).toBe('active');
    expect((await runCli(['keys', 'update', id, '--expires', '2020-01-01'], env)).code).toBe(0);
    expect(await state()).toBe('expired');
    expect(await row(id)).toMatch(/ expires=2020-01-01T00:00:00.000Z$/);
    expect((await runCli(['keys', 'deactivate', id], env)).code).toBe(0);
    expect(await state()).toBe('inactive');
  }, 120_000);

  it('update of an unknown key exits 1', async () => {
    const r = await runCli(['keys', 'update', 'nope', '--rpm', '5'], env);
    expect(r).toMatchObject({ code: 1, stderr: 'worv-proxy: Key not found: nope\n' });
  });
});
