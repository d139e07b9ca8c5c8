// `worv-proxy demo` shares the database of `serve` and the CLI: the commands it prints work
// on what it serves, and a second run reuses the first run's key instead of adding another.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const ENTRY = fileURLToPath(new URL('../helpers/cli-entry.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'worv-demo-'));
const env = { DATABASE_URL: `sqlite:${join(dir, 'proxy.db')}`, LOG_LEVEL: 'silent', PORT: '0' };

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the demo until it printed its banner; returns the banner, then stops it. */
async function demoRun<T>(use: (banner: string, url: string, key: string) => Promise<T>): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'demo'], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let out = '';
  const banner = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('Press Ctrl-C')) resolve(out);
    });
    void exited.then((code) => reject(new Error(`demo exited with ${String(code)}: ${out}`)));
  });
  try {
    const url = /gateway:\s+(http:\/\/\S+)/.exec(banner)?.[1] ?? '';
    const key = /API key:\s+(\S+)/.exec(banner)?.[1] ?? '';
    return await use(banner, url, key);
  } finally {
    child.kill('SIGINT');
    await exited;
  }
}

describe('worv-proxy demo', { timeout: 180_000 }, () => {
  it('prints commands that work on its own database and reuses its key on the next run', async () => {
    const first = await demoRun(async (banner, url, key) => {
      expect(banner).toContain(`store:                                    SQLite ${join(dir, 'proxy.db')}`);
      expect(banner).toContain("npx worv-proxy admin set-password --username admin --password '<8+ characters>'");
      const models = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
      expect(models.status).toBe(200);
      // Claude Code, as the banner says to start it, asks for a claude-* model: it reaches the simulator's.
      expect(banner).toContain(`Claude Code:    ANTHROPIC_BASE_URL=${url} ANTHROPIC_AUTH_TOKEN=${key} claude   (its claude-* models are sent to DeepSeek-V4-Pro)\n`);
      const claude = await fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5-20250929', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(claude.status).toBe(200);
      expect(((await claude.json()) as { model: string }).model).toBe('DeepSeek-V4-Pro');
      // The advice it printed, followed in another shell, lets the admin sign in to this gateway.
      const admin = await runCli(['admin', 'set-password', '--username', 'admin', '--password', 'demo-password-1'], env, 60_000);
      expect(admin.code).toBe(0);
      const login = await fetch(`${url}/api/login`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'demo-password-1' }),
      });
      expect(login.status).toBe(200);
      // The backends command it printed lists the simulator it serves, not the default backend.
      const sim = /simulator \(vLLM stand-in, model \S+\): (http:\/\/\S+)/.exec(banner)?.[1] ?? '';
      // The demo's own store, which a shell without the demo's settings would not find.
      const hint = /Backends: +DATABASE_URL=(\S+) VLLM_BASE_URL=(\S+) npx worv-proxy backends list\n/.exec(banner);
      expect(hint?.[1]).toBe(env.DATABASE_URL);
      expect(hint?.[2]).toBe(sim);
      const backends = await runCli(['backends', 'list'], { LOG_LEVEL: 'silent', DATABASE_URL: hint?.[1] ?? '', VLLM_BASE_URL: hint?.[2] ?? '' }, 60_000);
      expect(backends.stdout).toBe(`URL${' '.repeat(sim.length - 3)}  SOURCE  STATE\n${sim}  env     in use\n`);
      return key;
    });
    expect(statSync(join(dir, 'demo.key')).mode & 0o777).toBe(0o600);

    const second = await demoRun(async (banner, url, key) => {
      expect(banner).toContain('(the one from the last demo run)');
      expect(banner).not.toContain('admin set-password');
      expect((await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
      return key;
    });
    expect(second).toBe(first);
    const list = await runCli(['keys', 'list'], env, 60_000);
    expect(list.stdout.split('\n').filter((l) => /\sdemo\s/.test(l))).toHaveLength(1);
  });
});
