// A gateway killed with SIGKILL loses no usage: every request whose response ended is in the
// counters or in the process's usage spool, and the next start replays the spool, exactly once.
// The spool is made to fill by holding the SQLite file's write lock from another process.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import { createApiKey } from '../../src/store/api-keys.repo.js';
import { openStore } from '../../src/store/db.js';
import { readSegment } from '../../src/store/usage-spool.js';
import { holdSqliteLock } from '../faults/sqlite-lock.js';
import { spawnServe } from '../helpers/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'worv-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Sums {
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

describe('usage across a crash (SQLite)', () => {
  it('SIGKILL with usage in the spool: counters plus spool hold every request, and the next start replays the spool once', async () => {
    const sim = createSimulator({});
    await sim.listen(0, '127.0.0.1');
    const dbPath = join(dir, 'proxy.db');
    const setup = await openStore({ kind: 'sqlite', path: dbPath });
    const created = await createApiKey(setup.db, { name: 'crash', createdAt: new Date().toISOString() });
    await setup.close();
    const { id: keyId, key } = created!;
    const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${dbPath}`, VLLM_BASE_URL: sim.url };

    const serve = await spawnServe(env);
    const { child, url } = serve;
    const expected: Sums = { requests: 0, promptTokens: 0, completionTokens: 0 };
    const one = async (i: number): Promise<void> => {
      const r = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim-model', messages: [{ role: 'user', content: `hello ${i}` }], max_tokens: 20 }),
      });
      expect(r.status).toBe(200);
      const body = (await r.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
      expected.requests += 1;
      expected.promptTokens += body.usage.prompt_tokens;
      expected.completionTokens += body.usage.completion_tokens;
    };
    try {
      for (let i = 0; i < 10; i++) await one(i); // committed in the database
      const lock = await holdSqliteLock(dbPath);
      try {
        for (let i = 10; i < 25; i++) await one(i); // the database is locked: spooled
      } finally {
        await lock.release();
      }
      child.kill('SIGKILL');
      expect((await serve.exited).signal).toBe('SIGKILL');

      // What the killed process left: the counters plus its spool.
      const after = await openStore({ kind: 'sqlite', path: dbPath });
      let spooled = 0;
      const totals = () =>
        after.sqlite!.prepare('SELECT requests, prompt_tokens AS promptTokens, completion_tokens AS completionTokens FROM usage_totals WHERE key_id = ?').get(keyId) as
          | Sums
          | undefined;
      try {
        const left: Sums = { ...(totals() ?? { requests: 0, promptTokens: 0, completionTokens: 0 }) };
        const segments = readdirSync(dir).filter((n) => n.endsWith('.jsonl'));
        expect(segments.length).toBeGreaterThan(0);
        for (const name of segments) {
          for (const { inc } of readSegment(join(dir, name)).entries) {
            spooled += 1;
            left.requests += inc.requests;
            left.promptTokens += inc.promptTokens;
            left.completionTokens += inc.completionTokens;
          }
        }
        expect(spooled).toBeGreaterThan(0);
        expect(left).toEqual(expected);
      } finally {
        await after.close();
      }

      // The next start replays the spool into the counters and removes it; a third start changes nothing.
      for (let round = 0; round < 2; round++) {
        const again = await spawnServe({ ...env, LOG_LEVEL: 'warn' });
        again.child.kill('SIGTERM');
        expect((await again.exited).code).toBe(0);
        // The first start says what it replayed; the next has nothing left to say.
        const said = again.output().split('\n').filter((l) => l.includes('usage spool left by a stopped process replayed'));
        expect(said.map((l) => (JSON.parse(l) as { msg: string }).msg.replace(/ from \S+$/, ''))).toEqual(
          round === 0 ? [`usage spool left by a stopped process replayed into the store: ${spooled} request(s)`] : [],
        );
        const check = await openStore({ kind: 'sqlite', path: dbPath });
        try {
          expect(check.sqlite!.prepare('SELECT requests, prompt_tokens AS promptTokens, completion_tokens AS completionTokens FROM usage_totals WHERE key_id = ?').get(keyId)).toEqual(expected);
        } finally {
          await check.close();
        }
        expect(readdirSync(dir).filter((n) => n.includes('spool'))).toEqual([]);
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await sim.close();
    }
  }, 60_000);
});
