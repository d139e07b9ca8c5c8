// A Postgres outage is not an outage of /v1: the gateway's connections terminated (what a
// restart or failover does), then its database refusing connections for a while. Keys seen
// valid keep working, a key never seen gets 503 Store unavailable in the route's dialect, /api
// answers 503, the process never ends, and every request answered 200 is counted exactly once.
import { describe, expect, it } from 'vitest';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import { gatewayOnOwnDatabase, usageTotals } from './own-database.js';
import { adminCookie, chat, sumAnswers, type Answer } from './gateway.js';

const reason = await postgresUnavailableReason();
if (reason !== undefined) console.warn(`[skip postgres] ${reason}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(reason !== undefined)('Postgres outage', () => {
  const setup = gatewayOnOwnDatabase();

  it('survives its connections being terminated, serves known keys while the database refuses connections, and counts every 200 once', async () => {
    const { db, gw } = setup;
    const known = await gw.createKey();
    const unseen = await gw.createKey();
    const cookie = await adminCookie(gw.url);
    const { csrf_token: csrf } = (await (await fetch(`${gw.url}/api/me`, { headers: { cookie } })).json()) as { csrf_token: string };
    const answers: Answer[] = [];
    answers.push(await chat(gw.url, known.key));
    expect(answers[0]!.status).toBe(200);

    // 1. Every connection terminated, with requests in flight.
    const burst = Array.from({ length: 8 }, () => chat(gw.url, known.key));
    expect(await db.terminate()).toBeGreaterThan(0);
    answers.push(...(await Promise.all(burst)));
    for (let i = 0; i < 5; i++) answers.push(await chat(gw.url, known.key));
    expect(answers.every((a) => a.status === 200)).toBe(true);

    // 2. The database refuses connections for a while.
    await db.refuse();
    for (let i = 0; i < 10; i++) {
      const a = await chat(gw.url, known.key);
      expect(a.status).toBe(200);
      answers.push(a);
    }
    const openai = await chat(gw.url, unseen.key);
    // Retry-After 1: the store is asked again once a second.
    expect(openai).toMatchObject({ status: 503, body: { error: { message: 'Store unavailable', type: 'server_error', code: 503 } }, retryAfter: '1' });
    const anthropic = await chat(gw.url, unseen.key, '/v1/messages');
    expect(anthropic).toMatchObject({ status: 503, body: { type: 'error', error: { type: 'api_error', message: 'Store unavailable' } }, retryAfter: '1' });
    const api = await fetch(`${gw.url}/api/keys`, { headers: { cookie } });
    expect(api.status).toBe(503);
    expect(api.headers.get('retry-after')).toBe('1');
    expect(await api.json()).toEqual({ error: 'Store unavailable' });
    // The Status page still loads (its session was confirmed before the outage) and shows it.
    const status = await fetch(`${gw.url}/api/status`, { headers: { cookie } });
    expect(status.status).toBe(200);
    const shown = (await status.json()) as { store: { reachable: boolean; error: string | null }; usage_spool: { entries: number } };
    expect(shown.store.reachable).toBe(false);
    expect(shown.store.error).toMatch(/^store does not answer: /);
    expect(shown.usage_spool.entries).toBeGreaterThanOrEqual(10);
    // So does the console's own /api/me; routes that would use the store with it do not.
    expect((await fetch(`${gw.url}/api/me`, { headers: { cookie } })).status).toBe(200);
    const backends = await fetch(`${gw.url}/api/backends`, { headers: { cookie } });
    expect(backends.status).toBe(503);
    expect(await backends.json()).toEqual({ error: 'Store unavailable' });
    const streams = await Promise.all(Array.from({ length: 4 }, () => chat(gw.url, known.key, '/v1/messages')));
    expect(streams.every((a) => a.status === 200)).toBe(true);
    answers.push(...streams);

    // 3. Back: the key never seen works once the store answers again (after at most a second).
    // A session that signs out during the outage is not served from memory any more.
    const other = await adminCookie(gw.url).catch(() => undefined);
    expect(other).toBeUndefined(); // no new sign-in while the store is away
    const logout = await fetch(`${gw.url}/api/logout`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } });
    expect(logout.status).toBe(503);
    expect((await fetch(`${gw.url}/api/status`, { headers: { cookie } })).status).toBe(503);

    await db.allow();
    await sleep(1100);
    const later = await chat(gw.url, unseen.key);
    expect(later.status).toBe(200);
    expect((await fetch(`${gw.url}/api/keys`, { headers: { cookie } })).status).toBe(200);

    // Every 200 counted exactly once (the spool replays what the outage kept out).
    await gw.app.usageWriter.drain();
    expect(gw.app.usageWriter.spoolStats().entries).toBe(0);
    expect(await usageTotals(db, known.id)).toEqual(sumAnswers(answers));
    expect(await usageTotals(db, unseen.id)).toEqual(sumAnswers([later]));
  }, 60_000);
});
