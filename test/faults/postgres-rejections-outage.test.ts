// The 429 counts of a store outage (`rate_limited` in GET /api/usage): gathered while the
// database refuses connections, kept, and written once it answers again: none lost, none written twice by later flushes.
import { describe, expect, it } from 'vitest';
import { updateApiKey } from '../../src/store/api-keys.repo.js';
import { createRejectionCounts } from '../../src/server/limits/rejection-counts.js';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import { until } from '../e2e/support.js';
import { gatewayOnOwnDatabase } from './own-database.js';
import { chat } from './gateway.js';

const reason = await postgresUnavailableReason();
if (reason !== undefined) console.warn(`[skip postgres] ${reason}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(reason !== undefined)('429 counts through a Postgres outage', () => {
  const setup = gatewayOnOwnDatabase();

  const counted = async (keyId: string): Promise<number> => {
    const rows = await setup.db.query<{ n: number }>('SELECT COALESCE(SUM(rate_limited), 0)::int AS n FROM key_rejections WHERE key_id = $1', [keyId]);
    return rows[0]?.n ?? 0;
  };

  it('refusals while the database refuses connections are counted once it answers again, each once', async () => {
    const { db, gw } = setup;
    const k = await gw.createKey();
    await updateApiKey(gw.store.db, k.id, { policy: { limits: { rpm: 1 } } });
    let refused = 0;
    const send = async (): Promise<void> => {
      const a = await chat(gw.url, k.key);
      expect([200, 429]).toContain(a.status);
      if (a.status === 429) refused++;
    };
    for (let i = 0; i < 3; i++) await send();
    await until(async () => (await counted(k.id)) === refused, 5000);
    const before = refused;
    expect(before).toBeGreaterThan(0);

    await db.refuse();
    // Counted in the process meanwhile (PROXY_LIMITS_FAIL_OPEN is on by default): refusals go on.
    for (let i = 0; i < 8; i++) await send();
    expect(refused).toBeGreaterThan(before);
    // Several one-second flushes fail while the database is away.
    await sleep(2500);
    await db.allow();
    await until(async () => (await counted(k.id)) === refused, 8000);
    // And nothing is written twice afterwards.
    await sleep(1500);
    expect(await counted(k.id)).toBe(refused);
  }, 60_000);

  it('a stop before the database answers again says in its log how many refusals were not counted', async () => {
    const { db, gw } = setup;
    const k = await gw.createKey();
    const warned: string[] = [];
    const counts = createRejectionCounts(gw.store, { warn: (_o: unknown, msg: string) => warned.push(msg) } as never, () => Date.now());
    for (let i = 0; i < 3; i++) counts.add(k.id, '2026-12-07');
    await db.refuse();
    try {
      await counts.flush();
      expect(warned).toEqual(['could not record 429 counts; 3 kept for the next try']);
      counts.add(k.id, '2026-12-07');
      await counts.close();
      expect(warned[1]).toBe('4 requests refused with 429 not counted in rate_limited: the store did not take them before the stop');
    } finally {
      await db.allow();
    }
    // Kept when the store refused them, written when it takes them.
    const later = createRejectionCounts(gw.store, { warn: (_o: unknown, msg: string) => warned.push(msg) } as never, () => Date.now());
    later.add(k.id, '2026-12-07');
    await until(async () => {
      await later.flush();
      return (await counted(k.id)) === 1;
    }, 8000);
  }, 60_000);
});
