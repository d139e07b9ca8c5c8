// A database away for a full minute: /v1 keeps serving every key seen before the outage (plain
// and streamed, both dialects), a key never seen gets 503, the usage of every 200 waits in the
// spool and lands exactly once when the database answers again.
import { describe, expect, it } from 'vitest';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import { gatewayOnOwnDatabase, usageTotals } from './own-database.js';
import { chat, sumAnswers, type Answer } from './gateway.js';

const reason = await postgresUnavailableReason();
if (reason !== undefined) console.warn(`[skip postgres] ${reason}`);

const OUTAGE_MS = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A streamed chat request; a 200's usage is the one the usage chunk told the client. */
async function streamedChat(url: string, key: string): Promise<Answer> {
  const r = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-model', max_tokens: 12, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await r.text();
  if (r.status !== 200) return { status: r.status, body: text, usage: undefined, retryAfter: r.headers.get('retry-after') };
  expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  const withUsage = text
    .split('\n\n')
    .filter((f) => f.startsWith('data: {') && f.includes('"usage":{'))
    .map((f) => JSON.parse(f.slice(6)) as { usage: { prompt_tokens: number; completion_tokens: number } });
  expect(withUsage).toHaveLength(1);
  const u = withUsage[0]!.usage;
  return { status: 200, body: text, usage: { prompt: u.prompt_tokens, completion: u.completion_tokens }, retryAfter: null };
}

describe.skipIf(reason !== undefined)('Postgres away for a minute', () => {
  const setup = gatewayOnOwnDatabase();

  it('serves every key seen before a 60 s outage, plain and streamed, and counts every 200 once', async () => {
    const { db, gw } = setup;
    const keys = await Promise.all(Array.from({ length: 4 }, () => gw.createKey()));
    const unseen = await gw.createKey();
    const answers = new Map<string, Answer[]>(keys.map((k) => [k.id, []]));
    for (const k of keys) {
      const a = await chat(gw.url, k.key);
      expect(a.status).toBe(200);
      answers.get(k.id)!.push(a);
    }

    await db.refuse();
    const started = Date.now();
    let round = 0;
    let spooledDuringOutage = 0;
    while (Date.now() - started < OUTAGE_MS) {
      const kinds = [
        (key: string) => chat(gw.url, key),
        (key: string) => chat(gw.url, key, '/v1/messages'),
        (key: string) => streamedChat(gw.url, key),
      ];
      const got = await Promise.all(keys.map((k, i) => kinds[(round + i) % kinds.length]!(k.key)));
      got.forEach((a, i) => {
        expect(a.status, `round ${round}, key ${i}, ${Math.round((Date.now() - started) / 1000)} s into the outage`).toBe(200);
        answers.get(keys[i]!.id)!.push(a);
      });
      spooledDuringOutage = Math.max(spooledDuringOutage, gw.app.usageWriter.spoolStats().entries);
      round++;
      await sleep(2_000);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(OUTAGE_MS);
    expect(round).toBeGreaterThanOrEqual(20);
    // The usage of the outage waited in the spool rather than being lost.
    expect(spooledDuringOutage).toBeGreaterThan(0);
    const never = await chat(gw.url, unseen.key);
    expect(never).toMatchObject({ status: 503, body: { error: { message: 'Store unavailable' } } });

    await db.allow();
    // The background replay alone empties the spool (retried with back-off, at most 5 s apart):
    // no read of the usage, which would replay it on the spot.
    const allowedAt = Date.now();
    while (gw.app.usageWriter.spoolStats().entries > 0 && Date.now() - allowedAt < 15_000) await sleep(100);
    expect(gw.app.usageWriter.spoolStats().entries).toBe(0);
    for (const k of keys) expect(await usageTotals(db, k.id)).toEqual(sumAnswers(answers.get(k.id)!));
  }, 150_000);
});
