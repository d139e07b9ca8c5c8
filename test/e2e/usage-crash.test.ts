// A gateway killed with SIGKILL right after its responses loses no usage: every request whose
// response ended is in the counters or in the process's usage journal, and the next start
// folds the journal in, exactly once.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import { createApiKey } from '../../src/store/api-keys.repo.js';
import { openStore } from '../../src/store/db.js';
import { readJournal } from '../../src/store/usage-journal.js';
import { createUsageWriter } from '../../src/store/usage-writer.js';
import { spawnServe } from '../helpers/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'worv-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Sums {
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

describe('usage across a crash (SQLite)', () => {
  it('SIGKILL after the responses: counters plus journal hold every request, and the next start folds the journal once', async () => {
    const sim = createSimulator({});
    await sim.listen(0, '127.0.0.1');
    const dbPath = join(dir, 'proxy.db');
    const setup = await openStore({ kind: 'sqlite', path: dbPath });
    const created = await createApiKey(setup.db, { name: 'crash', createdAt: new Date().toISOString() });
    await setup.close();
    const { id: keyId, key } = created!;

    const serve = await spawnServe({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${dbPath}`, VLLM_BASE_URL: sim.url });
    const { child, url } = serve;
    try {

      // One at a time: each request is alone in flight, so each commit is a journal append.
      const expected: Sums = { requests: 0, promptTokens: 0, completionTokens: 0 };
      for (let i = 0; i < 25; i++) {
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
      }
      child.kill('SIGKILL');
      expect((await serve.exited).signal).toBe('SIGKILL');

      // What the killed process left: the counters plus its journal's lines above its mark.
      const after = await openStore({ kind: 'sqlite', path: dbPath });
      try {
        const main = after.sqlite!;
        const row = main.prepare('SELECT requests, prompt_tokens, completion_tokens FROM usage_totals WHERE key_id = ?').get(keyId) as
          | { requests: number; prompt_tokens: number; completion_tokens: number }
          | undefined;
        const left: Sums = { requests: row?.requests ?? 0, promptTokens: row?.prompt_tokens ?? 0, completionTokens: row?.completion_tokens ?? 0 };
        const journals = readdirSync(dir).filter((n) => n.endsWith('.journal'));
        expect(journals).toHaveLength(1);
        const id = journals[0]!.slice('proxy.db.usage-'.length, -'.journal'.length);
        const mark = (main.prepare('SELECT folded_seq FROM usage_journal_marks WHERE journal_id = ?').get(id) as { folded_seq: number } | undefined)?.folded_seq ?? 0;
        for (const { seq, inc } of readJournal(join(dir, journals[0]!))) {
          if (seq <= mark) continue;
          left.requests += inc.requests;
          left.promptTokens += inc.promptTokens;
          left.completionTokens += inc.completionTokens;
        }
        expect(left).toEqual(expected);

        // The next start (the writer the gateway builds) folds the journal in and removes it.
        const writer = createUsageWriter(after, { journal: true });
        expect(writer.recovery?.recovered).toBe(1);
        const folded = main.prepare('SELECT requests, prompt_tokens, completion_tokens FROM usage_totals WHERE key_id = ?').get(keyId);
        expect(folded).toEqual({ requests: expected.requests, prompt_tokens: expected.promptTokens, completion_tokens: expected.completionTokens });
        await writer.close();
        expect(readdirSync(dir).filter((n) => n.includes('.usage-'))).toEqual([]);
        expect(main.prepare('SELECT count(*) AS n FROM usage_journal_marks').get()).toEqual({ n: 0 });
      } finally {
        await after.close();
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await sim.close();
    }
  }, 60_000);
});
