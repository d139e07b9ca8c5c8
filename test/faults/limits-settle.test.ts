// A request that ends while the shared limit counters (here Postgres, the store) do not answer:
// once they answer again, its concurrency slot is given back within seconds (not when its
// one-hour lease ends), and the key's daily budget counter is seeded again from the usage
// buckets, which hold the request's tokens through the usage spool, so the budget counts them.
import { describe, expect, it } from 'vitest';
import { updateApiKey } from '../../src/store/api-keys.repo.js';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import { until } from '../e2e/support.js';
import { gatewayOnOwnDatabase } from './own-database.js';
import { chat } from './gateway.js';

const reason = await postgresUnavailableReason();
if (reason !== undefined) console.warn(`[skip postgres] ${reason}`);

describe.skipIf(reason !== undefined)('limit counters in Postgres away while a request ends', () => {
  const setup = gatewayOnOwnDatabase();

  it('the slot comes back and the budget counts the request once the database answers again', async () => {
    const { db, gw } = setup;
    const k = await gw.createKey();
    await updateApiKey(gw.store.db, k.id, { policy: { limits: { concurrency: 1, dailyTokens: 100_000 } } });
    expect((await chat(gw.url, k.key)).status).toBe(200);

    // A streamed request admitted (its slot taken), held by the backend.
    const held = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${k.key}`, 'content-type': 'application/json', 'x-sim-hold': 'settle' },
      body: JSON.stringify({ model: 'sim-model', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await gw.sim.waitForHold('settle');
    const refused = await chat(gw.url, k.key);
    expect(refused.status).toBe(429);

    // The database goes away, and the request ends meanwhile: its settle cannot be written.
    await db.refuse();
    gw.sim.release('settle');
    const res = await held;
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('[DONE]');
    await db.allow();

    // Admitted again within seconds: the slot was given back once the database answered.
    await until(async () => (await chat(gw.url, k.key)).status === 200, 10_000);
    const state = async (): Promise<{ leases?: Record<string, number>; day?: [string, number] }> => {
      const rows = await db.query<{ state: string }>('SELECT state FROM key_limit_state WHERE key_id = $1', [k.id]);
      return JSON.parse(rows[0]!.state) as { leases?: Record<string, number>; day?: [string, number] };
    };
    await until(async () => Object.keys((await state()).leases ?? {}).length === 0, 5000);
    // The budget counter equals the key's usage today: the held request's tokens included. The
    // usage of the requests that ended while the database was away reaches it from the spool,
    // which the gateway replays on its own rhythm: read once all three are there.
    const used = async (): Promise<{ requests: number; tokens: number }> => {
      const rows = await db.query<{ requests: number; tokens: number }>(
        'SELECT t.requests::int AS requests, (d.prompt_tokens + d.completion_tokens)::int AS tokens FROM usage_totals t JOIN usage_daily d ON d.key_id = t.key_id WHERE t.key_id = $1',
        [k.id],
      );
      return rows[0] ?? { requests: 0, tokens: 0 };
    };
    await until(async () => (await used()).requests >= 3, 10_000);
    await until(async () => (await state()).day?.[1] === (await used()).tokens, 5000);
  }, 60_000);
});
