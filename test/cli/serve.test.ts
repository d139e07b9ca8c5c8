import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ENTRY = fileURLToPath(new URL('../helpers/cli-entry.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'worv-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('worv-proxy serve', () => {
  it('creates the SQLite file in WAL mode, prints where it listens and how to create a key, serves, and drains on SIGTERM', async () => {
    const dbPath = join(dir, 'nested', 'proxy.db');
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'serve'], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${dbPath}`, VLLM_BASE_URL: 'http://127.0.0.1:9' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: string) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m?.[1] !== undefined && out.includes('keys create')) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`serve exited early with ${String(code)}: ${out}`)));
    });
    expect(out).toContain('npx worv-proxy keys create --name');
    expect(out).toContain('No admin user yet:  npx worv-proxy admin set-password --username admin');
    expect(existsSync(dbPath)).toBe(true);
    expect(existsSync(`${dbPath}-wal`)).toBe(true);

    const notFound = await fetch(`${url}/nowhere`);
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await notFound.json()).toEqual({ error: 'Not found. Use /v1/ endpoints.' });

    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain('worv_proxy_requests_in_flight 0');

    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
