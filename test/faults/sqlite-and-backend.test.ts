// Faults on the embedded store and on the backend: the SQLite file write-locked by another
// process (requests must not stall; usage goes to the spool and is replayed once the lock
// goes), and the backend killed mid-stream (clients get an error frame, the gateway stays up,
// each request is counted once).
import { afterEach, describe, expect, it } from 'vitest';
import { holdSqliteLock } from './sqlite-lock.js';
import { adminCookie, chat, startFaultGateway, sumAnswers, type Answer, type FaultGateway } from './gateway.js';

async function totals(gw: FaultGateway, keyId: string) {
  await gw.app.usageWriter.drain();
  const row = await gw.store.db.selectFrom('usage_totals').selectAll().where('key_id', '=', keyId).executeTakeFirst();
  return { requests: Number(row?.requests ?? 0), promptTokens: Number(row?.prompt_tokens ?? 0), completionTokens: Number(row?.completion_tokens ?? 0) };
}

describe('faults: SQLite lock and backend death', () => {
  let gw: FaultGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('SQLite write-locked by another process: no request stalls, usage is spooled and replayed exactly once', async () => {
    gw = await startFaultGateway(undefined);
    const { id, key } = await gw.createKey();
    const cookie = await adminCookie(gw.url);
    const answers: Answer[] = [];
    for (let i = 0; i < 5; i++) answers.push(await chat(gw.url, key));
    const lock = await holdSqliteLock(gw.config.database.kind === 'sqlite' ? gw.config.database.path : '');
    let slowest = 0;
    try {
      for (let round = 0; round < 10; round++) {
        const started = Date.now();
        const batch = await Promise.all(Array.from({ length: 4 }, () => chat(gw!.url, key)));
        slowest = Math.max(slowest, Date.now() - started);
        answers.push(...batch);
      }
      expect(gw.app.usageWriter.spoolStats().entries).toBeGreaterThan(0);
      const status = await fetch(`${gw.url}/api/status`, { headers: { cookie } });
      expect(status.status).toBe(200);
      const body = (await status.json()) as { usage_spool: { entries: number; oldest_age_seconds: number | null } };
      expect(body.usage_spool.entries).toBeGreaterThan(0);
      expect(body.usage_spool.oldest_age_seconds).not.toBeNull();
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      expect(metrics).toMatch(/^worv_proxy_usage_spool_entries [1-9]\d*$/m);
      // The store answers reads but takes no writes: a read of usage or of the request log
      // would leave the waiting requests out, so it is refused and says how many wait.
      const spooled = gw.app.usageWriter.spoolStats().entries;
      for (const path of ['/api/usage?detail=none', '/api/keys', `/api/keys/${id}`]) {
        const res = await fetch(`${gw.url}${path}`, { headers: { cookie } });
        expect([path, res.status, res.headers.get('retry-after')]).toEqual([path, 503, '1']);
        expect(await res.json()).toEqual({
          error: `Store unavailable: ${spooled} ended requests wait in the usage spool until the store takes writes again; the totals would leave them out`,
        });
      }
      const queued = gw.app.requestLog!.writer.stats().queued;
      expect(queued).toBeGreaterThanOrEqual(40);
      const log = await fetch(`${gw.url}/api/requests`, { headers: { cookie } });
      expect([log.status, log.headers.get('retry-after')]).toEqual([503, '1']);
      expect(await log.json()).toEqual({ error: `Store unavailable: ${queued} ended requests wait to be written to the request log until the store takes writes again` });
      // Held past the first background replay attempts (0.25 s, then 0.5 s), which fail.
      await new Promise((r) => setTimeout(r, 1200));
    } finally {
      await lock.release();
    }
    expect(answers.every((a) => a.status === 200)).toBe(true);
    // The lock held for the whole burst, which waited on it for about 100 ms at most (it stalled 8 s before).
    expect(slowest).toBeLessThan(2000);
    // The background replay alone empties the spool (its first attempts failed while the lock
    // was held; retried with back-off): nothing here reads the usage, which would replay it.
    const releasedAt = Date.now();
    while (gw.app.usageWriter.spoolStats().entries > 0 && Date.now() - releasedAt < 10_000) await new Promise((r) => setTimeout(r, 50));
    expect(gw.app.usageWriter.spoolStats().entries).toBe(0);
    expect(await totals(gw, id)).toEqual(sumAnswers(answers));
    expect(gw.app.usageWriter.spoolStats()).toEqual({ entries: 0, oldestAt: undefined });
    expect(await (await fetch(`${gw.url}/metrics`)).text()).toMatch(/^worv_proxy_usage_spool_entries 0$/m);
    // With the lock gone the same reads answer, every request in them.
    const sum = sumAnswers(answers);
    const usage = await fetch(`${gw.url}/api/usage?detail=none`, { headers: { cookie } });
    expect(usage.status).toBe(200);
    expect(((await usage.json()) as { totals: unknown }).totals).toMatchObject({ requests: sum.requests, prompt_tokens: sum.promptTokens, completion_tokens: sum.completionTokens });
    const log = await fetch(`${gw.url}/api/requests?limit=100`, { headers: { cookie } });
    expect(log.status).toBe(200);
    expect(((await log.json()) as { requests: unknown[] }).requests).toHaveLength(answers.length);
  }, 60_000);

  it('backend killed mid-stream: every client gets its error frame, the gateway stays up, each request counted once', async () => {
    gw = await startFaultGateway(undefined);
    const { id, key } = await gw.createKey();
    const streams = Array.from({ length: 6 }, (_, i) =>
      fetch(`${gw!.url}${i % 2 === 0 ? '/v1/chat/completions' : '/v1/messages'}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-sim-itl-ms': '40', 'x-sim-tokens': '200' },
        body: JSON.stringify({ model: 'sim-model', stream: true, max_tokens: 300, messages: [{ role: 'user', content: 'tell me a story' }] }),
      }),
    );
    const responses = await Promise.all(streams);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    // Read a little of each, then kill the backend.
    const readers = responses.map((r) => r.body!.getReader());
    for (const reader of readers) await reader.read();
    await gw.sim.close();
    const rest = await Promise.all(
      readers.map(async (reader) => {
        let text = '';
        const dec = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return text;
          text += dec.decode(value, { stream: true });
        }
      }),
    );
    for (const [i, text] of rest.entries()) {
      if (i % 2 === 0) expect(text).toContain('"Backend request failed"');
      else expect(text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"Backend request failed"\}\}/);
    }
    const metrics = await fetch(`${gw.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect((await totals(gw, id)).requests).toBe(6);
  }, 60_000);
});
