import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import { openStore } from '../../src/store/db.js';
import { SERVE_LOCK, takeLock } from '../../src/store/process-lock.js';
import { runCli } from '../helpers/run-cli.js';
import { spawnServe } from '../helpers/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'worv-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('worv-proxy serve', () => {
  it('creates the SQLite file in WAL mode, prints where it listens and how to create a key, serves, and drains on SIGTERM', async () => {
    const dbPath = join(dir, 'nested', 'proxy.db');
    const serve = await spawnServe(
      { PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${dbPath}`, VLLM_BASE_URL: 'http://127.0.0.1:9' },
      (o) => o.includes('Backend http://127.0.0.1:9: not reachable'),
    );
    const { url } = serve;
    const out = serve.output();
    expect(out).toContain('npx worv-proxy keys create --name');
    expect(out).toContain(`No admin user yet:  DATABASE_URL=sqlite:${dbPath} npx worv-proxy admin set-password --username admin`);
    expect(out).toContain('Backend http://127.0.0.1:9: not reachable (ECONNREFUSED). Start vLLM there or set VLLM_BASE_URL; without a GPU, try `npm run demo`.\n');
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

    serve.child.kill('SIGTERM');
    expect((await serve.exited).code).toBe(0);
  });

  it('on every address (HOST=0.0.0.0) the banner gives a console address a browser can open', async () => {
    const serve = await spawnServe({ HOST: '0.0.0.0', PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${join(dir, 'wildcard.db')}`, VLLM_BASE_URL: 'http://127.0.0.1:9' });
    try {
      const port = new URL(serve.url).port;
      expect(serve.output()).toContain(`Admin console:      http://127.0.0.1:${port}/ (listening on every address of this machine)\n`);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });

  it('a second SIGTERM or SIGINT while draining does not cut the streams: they finish, count, and the process exits 0', async () => {
    const sim = createSimulator({});
    await sim.listen(0, '127.0.0.1');
    try {
      const dbPath = join(dir, 'drain.db');
      const env = { PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${dbPath}`, VLLM_BASE_URL: sim.url };
      const created = await runCli(['keys', 'create', '--name', 'drain'], env);
      const key = created.stdout.trimEnd().split('\n').at(-1) ?? '';
      const serve = await spawnServe(env);
      const res = await fetch(`${serve.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-sim-tokens': '20', 'x-sim-itl-ms': '60' },
        body: JSON.stringify({ model: 'sim-model', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      const text = res.text();
      serve.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 100));
      serve.child.kill('SIGINT');
      serve.child.kill('SIGTERM');
      const body = await text;
      expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
      const usage = body.split('\n\n').filter((f) => f.includes('"usage":{')).map((f) => (JSON.parse(f.slice(6)) as { usage: { completion_tokens: number } }).usage);
      expect(await serve.exited).toEqual({ code: 0, signal: null });
      expect(serve.output()).toContain('worv-proxy: SIGTERM received, draining in-flight requests\n');
      expect(serve.output()).toMatch(/worv-proxy: SIG(INT|TERM) received again: still draining 1 request\(s\); SIGKILL stops at once\n/);
      const store = await openStore({ kind: 'sqlite', path: dbPath });
      try {
        const row = await store.db.selectFrom('usage_totals').select(['requests', 'completion_tokens']).executeTakeFirst();
        expect(row).toEqual({ requests: 1, completion_tokens: usage.at(-1)?.completion_tokens });
      } finally {
        await store.close();
      }
    } finally {
      await sim.close();
    }
  });

  it('warns a second serve on the same SQLite file that limits are counted per process, names the store in its key hint', async () => {
    const dbPath = join(dir, 'one.db');
    const env = { PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${dbPath}`, VLLM_BASE_URL: 'http://127.0.0.1:9' };
    const first = await spawnServe(env);
    expect(first.output()).toContain(`Create an API key:  DATABASE_URL=sqlite:${dbPath} npx worv-proxy keys create --name my-laptop\n`);
    const second = await spawnServe(env);
    let err = '';
    second.child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    for (let i = 0; i < 100 && !err.includes('\n'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(err.split('\n')[0]).toBe(
      `worv-proxy: warning: another worv-proxy serve is using SQLite ${dbPath}. Without REDIS_URL each process counts per-key limits (rpm, tpm, concurrency, budgets) on its own, so each allows a key its whole limit. Set REDIS_URL to share them, or run one gateway per SQLite file (Postgres for several replicas).`,
    );
    second.child.kill('SIGTERM');
    await second.exited;
    // The lock is the kernel's: once the first is killed, a new serve starts without the warning.
    first.child.kill('SIGKILL');
    await first.exited;
    const third = await spawnServe(env);
    let thirdErr = '';
    third.child.stderr.setEncoding('utf8').on('data', (d: string) => (thirdErr += d));
    expect((await fetch(`${third.url}/healthz`)).status).toBe(200);
    expect(thirdErr).toBe('');
    third.child.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);
  });

  it('while a store copy holds the file, a serve on it exits 2 saying so', async () => {
    const dbPath = join(dir, 'copying.db');
    const env = { PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${dbPath}`, VLLM_BASE_URL: 'http://127.0.0.1:9' };
    const first = await spawnServe(env); // creates the file
    first.child.kill('SIGTERM');
    await first.exited;
    const copying = takeLock(`${dbPath}${SERVE_LOCK}`); // what `store copy` holds while it reads
    try {
      const r = await runCli(['serve'], env);
      expect([r.code, r.stderr]).toEqual([2, `worv-proxy: a store copy is reading SQLite ${dbPath}: start the gateway once it has finished\n`]);
    } finally {
      copying.close();
    }
  });
});
