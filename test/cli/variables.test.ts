// A mistyped variable name leaves its default in force; every command says so on stderr
// (a warning: the command still runs), so `DATABSE_URL=…` does not silently use ./data/proxy.db.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'worv-vars-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mistyped variable names', () => {
  it('are named with the likely one on stderr; the command runs', { timeout: 60_000 }, async () => {
    const env = { DATABASE_URL: `sqlite:${join(dir, 'v.db')}`, DATABSE_URL: 'postgres://db/worv', PROXY_LIMITS_FAILOPEN: 'off' };
    const r = await runCli(['backends', 'list'], env);
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n').slice(0, 2)).toEqual([
      'worv-proxy: warning: DATABSE_URL is not a variable worv-proxy reads; did you mean DATABASE_URL?',
      'worv-proxy: warning: PROXY_LIMITS_FAILOPEN is not a variable worv-proxy reads; did you mean PROXY_LIMITS_FAIL_OPEN?',
    ]);
    expect(r.stdout.split('\n')[0]).toBe('URL                    SOURCE  STATE');
  });

  it('are named before the line that refuses a bad value, so a failed start says both', { timeout: 60_000 }, async () => {
    const env = { DATABASE_URL: `sqlite:${join(dir, 'w.db')}`, DATABSE_URL: 'postgres://db/worv', LOG_LEVEL: 'verbose' };
    const r = await runCli(['keys', 'list'], env);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').slice(0, 2)).toEqual([
      'worv-proxy: warning: DATABSE_URL is not a variable worv-proxy reads; did you mean DATABASE_URL?',
      expect.stringMatching(/^worv-proxy: invalid configuration: LOG_LEVEL/),
    ]);
  });
});
