// `npm start` under a supervisor: a SIGTERM to npm reaches the gateway (the script execs it, so
// no shell stands between them), which drains and stops instead of running on without npm.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'worv-npm-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start', () => {
  it('passes SIGTERM to the gateway: it drains, stops, and nothing listens any more', async () => {
    const sim = createSimulator({});
    await sim.listen(0, '127.0.0.1');
    // --ignore-scripts: the start script alone, without the build check before it.
    const npm = spawn('npm', ['start', '--ignore-scripts', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATABASE_URL: `sqlite:${join(dir, 'proxy.db')}`, VLLM_BASE_URL: sim.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      npm.stdout.setEncoding('utf8');
      npm.stderr.setEncoding('utf8');
      npm.stderr.on('data', (d: string) => (out += d));
      const url = await new Promise<string>((resolve, reject) => {
        npm.stdout.on('data', (d: string) => {
          out += d;
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m?.[1] !== undefined) resolve(m[1]);
        });
        npm.on('exit', (code) => reject(new Error(`npm start exited early with ${String(code)}: ${out}`)));
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
      npm.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('worv-proxy: SIGTERM received, draining in-flight requests\n');
      expect(out).toContain('worv-proxy: drained, stopped\n');
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      if (npm.exitCode === null) npm.kill('SIGKILL');
      await sim.close();
    }
  }, 30_000);
});
