// A database that answers reads but refuses writes (a failover onto a read-only standby): the
// read check passes, so readiness and the Status page say that usage is not taken, and why;
// requests are served, their usage is spooled, and applied exactly once when writes come back.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { POSTGRES_URL, postgresUnavailableReason } from '../helpers/dialects.js';
import { until } from '../e2e/support.js';
import { adminCookie, chat, sumAnswers, type Answer } from './gateway.js';
import { gatewayOnOwnDatabase, usageTotals } from './own-database.js';

const reason = await postgresUnavailableReason();
if (reason !== undefined) console.warn(`[skip postgres] ${reason}`);

interface Ready {
  readonly status: string;
  readonly failing?: ReadonlyArray<{ readonly check: string; readonly error: string }>;
}

describe.skipIf(reason !== undefined)('Postgres read-only', () => {
  const setup = gatewayOnOwnDatabase();

  it('readiness says degraded with the usage-spool check, the Status page names the refusal, and the usage is applied once writes come back', async () => {
    const { db, gw } = setup;
    const { id, key } = await gw.createKey();
    const cookie = await adminCookie(gw.url);
    const answers: Answer[] = [await chat(gw.url, key)];
    expect((await (await fetch(`${gw.url}/readyz`)).json()) as Ready).toEqual({ status: 'ready' });

    await db.query(`ALTER DATABASE ${db.name} SET default_transaction_read_only = on`);
    await db.terminate();
    for (let i = 0; i < 5; i++) answers.push(await chat(gw.url, key));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);

    // The replay that follows the first spooled commit fails on the read-only transaction.
    let ready: Ready | undefined;
    await until(async () => (ready = (await (await fetch(`${gw.url}/readyz`)).json()) as Ready).status === 'degraded', 10_000);
    expect(ready!.failing).toEqual([
      { check: 'usage-spool', error: expect.stringMatching(/^the store refuses usage: cannot execute .* in a read-only transaction; 5 request\(s\) wait in the usage spool, the oldest for \d+ s$/) as unknown },
    ]);
    const status = (await (await fetch(`${gw.url}/api/status`, { headers: { cookie } })).json()) as { store: Record<string, unknown> };
    expect(status.store).toMatchObject({ reachable: true, error: null, file_problem: null });
    expect(status.store.write_error).toMatch(/^the store refuses usage: cannot execute .* in a read-only transaction; 5 request\(s\) wait in the usage spool/);

    // From another database: a session on this one starts read-only now.
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`ALTER DATABASE ${db.name} RESET default_transaction_read_only`).finally(() => admin.end());
    await db.terminate();
    await until(async () => (await usageTotals(db, id)).requests === 6, 15_000);
    expect(await usageTotals(db, id)).toEqual(sumAnswers(answers));
    expect((await (await fetch(`${gw.url}/readyz`)).json()) as Ready).toEqual({ status: 'ready' });
  }, 60_000);
});
