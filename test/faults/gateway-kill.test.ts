// The gateway killed with SIGKILL in the middle of a burst, with the SQLite file locked by
// another process so the usage of the requests that ended is in the spool, then started
// again: every response a client got a 200 for is counted exactly once, and no request is
// counted twice. Each request uses a key of its own, so each key's count is 0 or 1.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import { createApiKey } from '../../src/store/api-keys.repo.js';
import { openStore } from '../../src/store/db.js';
import { spawnServe } from '../helpers/serve-process.js';
import { holdSqliteLock } from './sqlite-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'worv-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 40;

type Totals = { requests: number; prompt: number; completion: number };

/** Starts the gateway again (it replays the spool it finds), stops it, and reads every key's totals. */
async function totalsAfterRestart(env: Record<string, string>, dbPath: string): Promise<Map<string, Totals>> {
  const again = await spawnServe(env);
  again.child.kill('SIGTERM');
  expect((await again.exited).code).toBe(0);
  const check = await openStore({ kind: 'sqlite', path: dbPath });
  try {
    const rows = await check.db.selectFrom('usage_totals').selectAll().execute();
    return new Map(rows.map((r) => [r.key_id, { requests: r.requests, prompt: r.prompt_tokens, completion: r.completion_tokens }]));
  } finally {
    await check.close();
  }
}

describe('gateway SIGKILL mid-burst', () => {
  it('counts every 200 exactly once after a restart, and nothing twice', async () => {
    const sim = createSimulator({});
    await sim.listen(0, '127.0.0.1');
    const dbPath = join(dir, 'proxy.db');
    const setup = await openStore({ kind: 'sqlite', path: dbPath });
    const keys: { id: string; key: string }[] = [];
    for (let i = 0; i < N; i++) keys.push((await createApiKey(setup.db, { name: `k${i}`, createdAt: new Date().toISOString() }))!);
    await setup.close();
    const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${dbPath}`, VLLM_BASE_URL: sim.url };

    const serve = await spawnServe(env);
    const lock = await holdSqliteLock(dbPath);
    const got = new Map<string, { prompt: number; completion: number }>();
    try {
      // Requests finish at different times (the simulator's time to first token varies per request).
      const burst = keys.map(async ({ id, key }, i) => {
        try {
          const r = await fetch(`${serve.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-sim-ttft-ms': String(20 * i) },
            body: JSON.stringify({ model: 'sim-model', max_tokens: 16, messages: [{ role: 'user', content: `hi ${i}` }] }),
          });
          const body = (await r.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
          if (r.status === 200) got.set(id, { prompt: body.usage.prompt_tokens, completion: body.usage.completion_tokens });
        } catch {
          // cut by the kill
        }
      });
      while (got.size < N / 3) await new Promise((r) => setTimeout(r, 5));
      serve.child.kill('SIGKILL');
      await Promise.all(burst);
      expect((await serve.exited).signal).toBe('SIGKILL');
    } finally {
      await lock.release();
      if (serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGKILL');
    }
    expect(got.size).toBeGreaterThanOrEqual(N / 3);
    expect(got.size).toBeLessThan(N);

    const counted = await totalsAfterRestart(env, dbPath);
    await sim.close();
    for (const { id } of keys) {
      const row = counted.get(id);
      expect(row === undefined || row.requests === 1).toBe(true); // never twice
      const answered = got.get(id);
      if (answered !== undefined) {
        expect(row).toEqual({ requests: 1, prompt: answered.prompt, completion: answered.completion });
      }
    }
  }, 90_000);
  it('a gateway killed before it spooled anything leaves no lock file behind once another starts', async () => {
    const own = mkdtempSync(join(dir, 'idle-'));
    const sim = createSimulator({});
    await sim.listen(0, '127.0.0.1');
    const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${join(own, 'proxy.db')}`, VLLM_BASE_URL: sim.url };
    const spoolFiles = (): string[] => readdirSync(own).filter((f) => f.startsWith('proxy.db.spool-'));
    try {
      let left: string[] = [];
      for (let i = 0; i < 3; i++) {
        const serve = await spawnServe(env);
        serve.child.kill('SIGKILL');
        expect((await serve.exited).signal).toBe('SIGKILL');
        // The killed process's lock file stays (the kernel dropped only its lock); the one the
        // process before it left was removed when this one started.
        const now = spoolFiles();
        expect(now).toHaveLength(1);
        expect(now[0]).toMatch(/\.lock$/);
        expect(now).not.toEqual(left);
        left = now;
      }
      const again = await spawnServe(env);
      // The running gateway holds its own lock file only.
      expect(spoolFiles()).toHaveLength(1);
      again.child.kill('SIGTERM');
      expect((await again.exited).code).toBe(0);
      expect(spoolFiles()).toEqual([]);
    } finally {
      await sim.close();
    }
  }, 60_000);

  it('stopped with SIGTERM while the SQLite file is locked: says how much usage waits in the spool and where the unwritten request-log rows are kept; the next start applies the usage and writes the rows once', async () => {
    const sim = createSimulator({});
    await sim.listen(0, '127.0.0.1');
    const dbPath = join(dir, 'term.db');
    const setup = await openStore({ kind: 'sqlite', path: dbPath });
    const { id, key } = (await createApiKey(setup.db, { name: 'term', createdAt: new Date().toISOString() }))!;
    await setup.close();
    const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATABASE_URL: `sqlite:${dbPath}`, VLLM_BASE_URL: sim.url };
    const serve = await spawnServe(env);
    const lock = await holdSqliteLock(dbPath);
    let prompt = 0;
    let completion = 0;
    try {
      for (let i = 0; i < 5; i++) {
        const r = await fetch(`${serve.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'sim-model', max_tokens: 16, messages: [{ role: 'user', content: `hi ${i}` }] }),
        });
        expect(r.status).toBe(200);
        const body = (await r.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
        prompt += body.usage.prompt_tokens;
        completion += body.usage.completion_tokens;
      }
      serve.child.kill('SIGTERM');
      expect((await serve.exited).code).toBe(0);
    } finally {
      await lock.release();
    }
    const lines = serve.output().split('\n');
    expect(lines.some((l) => l.includes('usage of 5 request(s) left in the usage spool: the store did not take it; the next start applies it'))).toBe(true);
    const kept = lines.find((l) => l.includes('request log: 5 row(s) not written: the store did not take them; 5 kept in '));
    expect(kept).toBeDefined();
    const spilled = readdirSync(dir).filter((n) => n.startsWith('term.db.request-log-unwritten-'));
    expect(spilled).toHaveLength(1);
    expect(kept).toContain(`kept in ${join(dir, spilled[0]!)}; the next start writes them`);
    // Rows may hold request bodies: the file is the gateway's user's alone.
    expect(statSync(join(dir, spilled[0]!)).mode & 0o777).toBe(0o600);
    // The last line, after the log's (written through another writer, flushed before it).
    expect(lines.at(-2)).toBe('worv-proxy: drained, stopped');

    const counted = await totalsAfterRestart(env, dbPath);
    await sim.close();
    expect(counted.get(id)).toEqual({ requests: 5, prompt, completion });
    // The restart wrote the rows the first process kept, once, and removed their file.
    expect(readdirSync(dir).filter((n) => n.includes('request-log-unwritten-'))).toEqual([]);
    const check = await openStore({ kind: 'sqlite', path: dbPath });
    try {
      const rows = await check.db.selectFrom('request_log').select(['key_id', 'status', 'result', 'prompt_tokens', 'completion_tokens']).execute();
      expect(rows).toHaveLength(5);
      expect(rows.every((r) => r.key_id === id && r.status === 200 && r.result === 'complete')).toBe(true);
      expect(rows.reduce((a, r) => a + (r.prompt_tokens ?? 0), 0)).toBe(prompt);
      expect(rows.reduce((a, r) => a + (r.completion_tokens ?? 0), 0)).toBe(completion);
    } finally {
      await check.close();
    }
  }, 60_000);
});
