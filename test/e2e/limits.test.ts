// Per-key limits on one gateway (counters in the process): each limit is made to happen for
// real — requests and tokens per minute, concurrency with held streams, token budgets across a
// UTC day and month with an injected clock, model scope, expiry, priority — in both error
// dialects, with the rate-limit headers, and the concurrency slot given back on every ending.
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../helpers/clock.js';
import { deleteApiKey, updateApiKey } from '../../src/store/api-keys.repo.js';
import type { KeyPolicyChanges } from '../../src/store/key-policy.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { CHAT_BODY, MESSAGES_BODY, postJson, rawRequest, readAll, readUntil } from './support.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function limitedKey(s: Stack, policy: KeyPolicyChanges): Promise<{ id: string; key: string }> {
  const k = await s.createKey('limited');
  await updateApiKey(s.store.db, k.id, { policy });
  return k;
}

async function chat(s: Stack, key: string, body: object = CHAT_BODY, headers: Record<string, string> = {}): Promise<Response> {
  return postJson(s.gatewayUrl, '/v1/chat/completions', key, body, headers);
}

// Mid-minute, so a test's requests never straddle two windows.
const T0 = Date.parse('2026-12-04T10:00:20Z');

describe('per-key limits (in-process counters)', () => {
  it('requests per minute: the 4th request of a minute gets 429 with Retry-After and OpenAI headers; the next minute serves again', async () => {
    const clock = fixedClock(T0);
    stack = await startStack({ clock });
    const { key } = await limitedKey(stack, { limits: { rpm: 3 } });
    for (let i = 0; i < 3; i++) {
      const ok = await chat(stack, key);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-ratelimit-limit-requests')).toBe('3');
      expect(ok.headers.get('x-ratelimit-remaining-requests')).toBe(String(2 - i));
      expect(ok.headers.get('x-ratelimit-reset-requests')).toBe('40s');
      await ok.arrayBuffer();
    }
    const limited = await chat(stack, key);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('40');
    // Retryable: the SDKs wait the Retry-After (seconds) and try again.
    expect(limited.headers.get('x-should-retry')).toBeNull();
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(await limited.json()).toEqual({
      error: {
        message: 'Rate limit exceeded: 3 requests per minute for this key. Retry in 40 s.',
        type: 'rate_limit_exceeded',
        code: 'rate_limit_exceeded',
      },
    });
    expect(stack.sim.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(3);
    clock.advance(40_000);
    const again = await chat(stack, key);
    expect(again.status).toBe(200);
    expect(again.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    await again.arrayBuffer();
    // The refused request is counted for the console.
    await stack.app.limits.flush();
    const rows = await stack.store.db.selectFrom('key_rejections').selectAll().execute();
    expect(rows.map((r) => ({ day: r.day, n: Number(r.rate_limited) }))).toEqual([{ day: '2026-12-04', n: 1 }]);
  });

  it("a deleted key's 429 counts go with it, and counts still waiting when it is deleted are not re-created", async () => {
    stack = await startStack({ clock: fixedClock(T0) });
    const { id, key } = await limitedKey(stack, { limits: { rpm: 1 } });
    await (await chat(stack, key)).arrayBuffer();
    expect((await chat(stack, key)).status).toBe(429);
    await stack.app.limits.flush();
    const counts = async (): Promise<number[]> =>
      (await stack!.store.db.selectFrom('key_rejections').select('rate_limited').where('key_id', '=', id).execute()).map((r) => Number(r.rate_limited));
    expect(await counts()).toEqual([1]);
    // A second 429 is counted in the process, not yet written, when the key is deleted.
    expect((await chat(stack, key)).status).toBe(429);
    expect(await deleteApiKey(stack.store.db, id)).toBe(true);
    expect(await counts()).toEqual([]);
    await stack.app.limits.flush();
    expect(await counts()).toEqual([]);
  });

  it('a request for a model no backend serves is 404 and counts against no limit', async () => {
    stack = await startStack({ clock: fixedClock(T0) });
    const { key } = await limitedKey(stack, { limits: { rpm: 2 } });
    for (let i = 0; i < 3; i++) {
      const r = await chat(stack, key, { ...CHAT_BODY, model: 'no-such-model' });
      expect(r.status).toBe(404);
      expect(await r.json()).toEqual({ error: { message: 'The model `no-such-model` does not exist.', type: 'not_found_error', code: 404 } });
    }
    for (const remaining of ['1', '0']) {
      const ok = await chat(stack, key);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-ratelimit-remaining-requests')).toBe(remaining);
      await ok.arrayBuffer();
    }
    expect((await chat(stack, key)).status).toBe(429);
  });

  it('Anthropic dialect on /v1/messages: rate_limit_error envelope and anthropic-ratelimit-* headers', async () => {
    stack = await startStack({ clock: fixedClock(T0) });
    const { key } = await limitedKey(stack, { limits: { rpm: 1, tpm: 100_000 } });
    const ok = await postJson(stack.gatewayUrl, '/v1/messages', undefined, MESSAGES_BODY, { 'x-api-key': key });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('anthropic-ratelimit-requests-limit')).toBe('1');
    expect(ok.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(ok.headers.get('anthropic-ratelimit-requests-reset')).toBe('2026-12-04T10:01:00Z');
    expect(ok.headers.get('anthropic-ratelimit-tokens-limit')).toBe('100000');
    expect(ok.headers.get('x-ratelimit-limit-requests')).toBeNull();
    await ok.arrayBuffer();
    const limited = await postJson(stack.gatewayUrl, '/v1/messages', undefined, MESSAGES_BODY, { 'x-api-key': key });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('40');
    expect(await limited.json()).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Rate limit exceeded: 1 request per minute for this key. Retry in 40 s.' },
    });
  });

  it('tokens per minute: charged input estimate + output cap at admission, corrected to real usage at the end', async () => {
    stack = await startStack({ clock: fixedClock(T0) });
    const { key } = await limitedKey(stack, { limits: { tpm: 1000 } });
    const body = { model: 'sim-model', max_tokens: 600, messages: [{ role: 'user', content: 'x'.repeat(30) }] };
    const first = await chat(stack, key, body, { 'x-sim-tokens': '5' });
    expect(first.status).toBe(200);
    // Charged: the input estimate (payload bytes // 3) plus max_tokens.
    const charge = 1000 - Number(first.headers.get('x-ratelimit-remaining-tokens'));
    expect(charge).toBeGreaterThan(600);
    expect(charge).toBeLessThan(630);
    const usage = ((await first.json()) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    const used = usage.prompt_tokens + usage.completion_tokens;
    // Corrected at the end: 610 became `used`, so a second 610 fits now.
    const second = await chat(stack, key, body, { 'x-sim-tokens': '5' });
    expect(second.status).toBe(200);
    expect(second.headers.get('x-ratelimit-remaining-tokens')).toBe(String(1000 - used - charge));
    await second.arrayBuffer();
    // The window now holds 2 × used (both corrected): a charge of 990 + the input no longer fits.
    const big = await chat(stack, key, { ...body, max_tokens: 990 });
    expect(big.status).toBe(429);
    expect(big.headers.get('x-ratelimit-limit-tokens')).toBe('1000');
    expect(((await big.json()) as { error: { message: string } }).error.message).toBe(
      `Rate limit exceeded: 1000 tokens per minute for this key; this request is charged ${charge + 390} tokens (input estimate and output cap) and ${2 * used} are counted this minute. Lower max_tokens or retry in 40 s.`,
    );
  });

  it('tokens per minute: a request with both max_tokens and max_completion_tokens is charged the one vLLM obeys', async () => {
    stack = await startStack({ clock: fixedClock(T0) });
    const { key } = await limitedKey(stack, { limits: { tpm: 100_000 } });
    const messages = [{ role: 'user', content: 'x'.repeat(30) }];
    let counted = 0;
    /** What admission charged a request: the remaining tokens it saw, after what the window already held. */
    const charged = async (body: object): Promise<number> => {
      const res = await chat(stack!, key, { model: 'sim-model', messages, ...body }, { 'x-sim-tokens': '1' });
      expect(res.status).toBe(200);
      const charge = 100_000 - counted - Number(res.headers.get('x-ratelimit-remaining-tokens'));
      const usage = ((await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
      counted += usage.prompt_tokens + usage.completion_tokens;
      return charge;
    };
    const alone = await charged({ max_completion_tokens: 900 });
    expect(alone).toBeGreaterThan(900);
    // max_completion_tokens wins (vLLM: `max_completion_tokens or max_tokens`): a max_tokens of 1
    // beside it does not make a generation of up to 900 cost 1.
    expect(await charged({ max_tokens: 1, max_completion_tokens: 900 })).toBe(alone);
    // A max_completion_tokens of 0 falls back to max_tokens, as in vLLM.
    expect(await charged({ max_tokens: 900, max_completion_tokens: 0 })).toBe(alone);
  });

  it('tokens per minute: a request for n choices is charged the output cap n times', async () => {
    stack = await startStack({ clock: fixedClock(T0) });
    const { key } = await limitedKey(stack, { limits: { tpm: 1000 } });
    const body = { model: 'sim-model', max_tokens: 300, messages: [{ role: 'user', content: 'x'.repeat(30) }] };
    const one = await chat(stack, key, body, { 'x-sim-tokens': '5' });
    const single = 1000 - Number(one.headers.get('x-ratelimit-remaining-tokens'));
    await one.arrayBuffer();
    const four = await chat(stack, key, { ...body, n: 4 });
    expect(four.status).toBe(429);
    expect(((await four.json()) as { error: { message: string } }).error.message).toContain(`this request is charged ${single + 900} tokens`);
    // vLLM reads a numeric string as its number: so does the charge.
    const fourAsText = await chat(stack, key, { ...body, n: ' 4' });
    expect(fourAsText.status).toBe(429);
    expect(((await fourAsText.json()) as { error: { message: string } }).error.message).toContain(`this request is charged ${single + 900} tokens`);
    // Several prompts of a completions request: each generates up to the cap.
    const two = await postJson(stack.gatewayUrl, '/v1/completions', key, { model: 'sim-model', max_tokens: 500, prompt: ['x'.repeat(30), 'y'.repeat(30)] });
    expect(two.status).toBe(429);
    expect(((await two.json()) as { error: { message: string } }).error.message).toMatch(/this request is charged 10\d\d tokens/);
  });

  it('tokens per minute on an endpoint without an output cap (embeddings): the refusal does not tell the client to lower max_tokens', async () => {
    stack = await startStack({ clock: fixedClock(T0) });
    const { key } = await limitedKey(stack, { limits: { tpm: 1 } });
    const first = await postJson(stack.gatewayUrl, '/v1/embeddings', key, { model: 'sim-model', input: 'hello there' });
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const second = await postJson(stack.gatewayUrl, '/v1/embeddings', key, { model: 'sim-model', input: 'hello there' });
    expect(second.status).toBe(429);
    expect(((await second.json()) as { error: { message: string } }).error.message).toMatch(
      /^Rate limit exceeded: 1 token per minute for this key; this request is charged 0 tokens \(input estimate\) and \d+ are counted this minute\. Retry in 40 s\.$/,
    );
  });

  it('count_tokens is never charged to or refused by tokens per minute, a budget or concurrency', async () => {
    stack = await startStack({ clock: fixedClock(T0) });
    const s = stack;
    const { id, key } = await limitedKey(s, { limits: { tpm: 1000, concurrency: 1, dailyTokens: 20 } });
    const count = (content: string) =>
      postJson(s.gatewayUrl, '/v1/messages/count_tokens', undefined, { model: 'sim-model', messages: [{ role: 'user', content }] }, { 'x-api-key': key });
    // A stream holds the key's only slot and is charged to this minute.
    const held = await rawRequest(s.gatewayUrl, {
      method: 'POST',
      path: '/v1/messages',
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'x-sim-hold': 'a', 'x-sim-tokens': '30' },
      body: JSON.stringify({ ...MESSAGES_BODY, stream: true }),
    });
    await s.sim.waitForHold('a');
    try {
      // Its input estimate alone (6000 bytes ÷ 3) is over the minute's limit.
      const big = await count('x'.repeat(6000));
      expect(big.status).toBe(200);
      expect(big.headers.get('anthropic-ratelimit-tokens-limit')).toBeNull();
      expect(await big.json()).toMatchObject({ input_tokens: 1503 });
    } finally {
      s.sim.release('a');
    }
    await readAll(held.res);
    // The stream used up the daily budget: generating is refused, counting is not.
    const refused = await postJson(s.gatewayUrl, '/v1/messages', undefined, MESSAGES_BODY, { 'x-api-key': key });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/^Daily token budget of 20 tokens used up/);
    const after = await count('Three primes greater than 100.');
    expect(after.status).toBe(200);
    await after.arrayBuffer();
    expect(s.sim.requests.filter((r) => r.path === '/v1/messages/count_tokens')).toHaveLength(2);
    // Counted as requests without tokens; the budget holds only the stream's tokens.
    const usage = await s.usage(id);
    expect(usage.requests).toBe(3);
    expect(usage.promptTokens + usage.completionTokens).toBeGreaterThan(30);
  });

  it('count_tokens counts against requests per minute', async () => {
    stack = await startStack({ clock: fixedClock(T0) });
    const s = stack;
    const { key } = await limitedKey(s, { limits: { rpm: 1, tpm: 100_000 } });
    const count = () => postJson(s.gatewayUrl, '/v1/messages/count_tokens', undefined, { model: 'sim-model', messages: [{ role: 'user', content: 'Hi' }] }, { 'x-api-key': key });
    const ok = await count();
    expect(ok.status).toBe(200);
    expect(ok.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(ok.headers.get('anthropic-ratelimit-tokens-limit')).toBeNull();
    await ok.arrayBuffer();
    const limited = await count();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('40');
    expect(await limited.json()).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Rate limit exceeded: 1 request per minute for this key. Retry in 40 s.' },
    });
  });

  it('concurrency: a third stream waits for a slot; the slot comes back on success, client abort and upstream error', async () => {
    stack = await startStack({ clock: fixedClock(T0) });
    const s = stack;
    const { id, key } = await limitedKey(s, { limits: { concurrency: 2 } });
    const streamBody = JSON.stringify({ ...CHAT_BODY, stream: true });
    const open = (tag: string | undefined, extra: Record<string, string> = {}) =>
      rawRequest(s.gatewayUrl, {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(tag !== undefined ? { 'x-sim-hold': tag } : {}), ...extra },
        body: streamBody,
      });
    const a = await open('a');
    const b = await open('b');
    expect([a.status, b.status]).toEqual([200, 200]);
    await s.sim.waitForHold('a');
    await s.sim.waitForHold('b');
    expect(await s.app.limits.inFlight(id)).toBe(2);
    const third = await chat(s, key);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(third.headers.get('x-should-retry')).toBeNull();
    expect(((await third.json()) as { error: { message: string } }).error.message).toBe(
      'Rate limit exceeded: 2 concurrent requests for this key. Retry when one of them ends.',
    );
    // Success: stream a ends normally.
    s.sim.release('a');
    await readAll(a.res);
    await expectInFlight(s, id, 1);
    // Client abort: b's client leaves mid-stream.
    b.res.destroy();
    await expectInFlight(s, id, 0);
    // Upstream error: the backend resets the stream after one chunk.
    const c = await open(undefined, { 'x-sim-fault': 'reset:1' });
    await readAll(c.res).catch(() => undefined);
    await expectInFlight(s, id, 0);
    // And the two slots are really free: two held streams again, then a third is refused.
    const d = await open('d');
    const e = await open('e');
    await s.sim.waitForHold('d');
    await s.sim.waitForHold('e');
    expect((await chat(s, key)).status).toBe(429);
    s.sim.release('d');
    s.sim.release('e');
    await Promise.all([readAll(d.res), readAll(e.res)]);
    await expectInFlight(s, id, 0);
    const first = await readUntil((await open('f')).res, (t) => t.includes('data:'));
    expect(first).toContain('data:');
    s.sim.release('f');
  });

  it('PROXY_DEFAULT_CONCURRENCY holds a key without a concurrency limit of its own; a key with its own keeps it, higher or lower', async () => {
    stack = await startStack({ clock: fixedClock(T0), env: { PROXY_DEFAULT_CONCURRENCY: '1' } });
    const s = stack;
    const plain = await s.createKey('no-limits');
    const rpmOnly = await limitedKey(s, { limits: { rpm: 100 } });
    const own = await limitedKey(s, { limits: { concurrency: 2 } });
    const hold = (key: string, tag: string) =>
      rawRequest(s.gatewayUrl, {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-sim-hold': tag },
        body: JSON.stringify({ ...CHAT_BODY, stream: true }),
      });
    const held = [await hold(plain.key, 'p'), await hold(rpmOnly.key, 'r'), await hold(own.key, 'o1'), await hold(own.key, 'o2')];
    expect(held.map((h) => h.status)).toEqual([200, 200, 200, 200]);
    for (const tag of ['p', 'r', 'o1', 'o2']) await s.sim.waitForHold(tag);
    const refused = await chat(s, plain.key);
    expect([refused.status, refused.headers.get('retry-after')]).toEqual([429, '1']);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      'Rate limit exceeded: 1 concurrent request for this key. Retry when it ends.',
    );
    expect((await chat(s, rpmOnly.key)).status).toBe(429);
    expect((await chat(s, own.key)).status).toBe(429);
    expect(await s.app.limits.inFlight(plain.id)).toBe(1);
    // The slot comes back when the stream ends.
    s.sim.release('p');
    await readAll(held[0]!.res);
    await expectInFlight(s, plain.id, 0);
    const again = await chat(s, plain.key);
    expect(again.status).toBe(200);
    await again.arrayBuffer();
    for (const tag of ['r', 'o1', 'o2']) s.sim.release(tag);
    await Promise.all(held.slice(1).map((h) => readAll(h.res)));
  });

  it('concurrency counts sequences: a request for n choices takes n slots; one larger than the limit is refused for good', async () => {
    stack = await startStack({ clock: fixedClock(T0) });
    const s = stack;
    const { id, key } = await limitedKey(s, { limits: { concurrency: 4 } });
    const open = (tag: string, n: number) =>
      rawRequest(s.gatewayUrl, {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-sim-hold': tag },
        body: JSON.stringify({ ...CHAT_BODY, stream: true, n }),
      });
    const three = await open('three', 3);
    expect(three.status).toBe(200);
    await s.sim.waitForHold('three');
    expect(await s.app.limits.inFlight(id)).toBe(3);
    // Two more choices do not fit beside three (limit 4); vLLM reads "2" as 2, and so does the count.
    const two = await chat(s, key, { ...CHAT_BODY, n: '2' });
    expect(two.status).toBe(429);
    expect(((await two.json()) as { error: { message: string } }).error.message).toBe(
      'Rate limit exceeded: 4 concurrent sequences for this key; this request runs 2 (choices, for each prompt) and 3 are running. Lower n or retry when one of them ends.',
    );
    // One does.
    const one = await chat(s, key);
    expect(one.status).toBe(200);
    await one.arrayBuffer();
    s.sim.release('three');
    await readAll(three.res);
    await expectInFlight(s, id, 0);
    // More choices than the key's share, even with nothing running: a retry cannot help, and
    // letting it run would give the key as many sequences as it asks for.
    const before = s.sim.requests.length;
    const six = await chat(s, key, { ...CHAT_BODY, n: 6 });
    expect([six.status, six.headers.get('x-should-retry'), six.headers.get('retry-after')]).toEqual([429, 'false', null]);
    expect(await six.json()).toEqual({
      error: {
        message: 'Rate limit exceeded: this request runs 6 sequences (choices, for each prompt) and this key runs at most 4 at once. Lower n, or send fewer prompts in one request.',
        type: 'rate_limit_exceeded',
        code: 'rate_limit_exceeded',
      },
    });
    expect(s.sim.requests.length).toBe(before);
    expect(await s.app.limits.inFlight(id)).toBe(0);
    // Four, the whole share, runs.
    const four = await chat(s, key, { ...CHAT_BODY, n: 4 });
    expect(four.status).toBe(200);
    await four.arrayBuffer();
    await expectInFlight(s, id, 0);
  });

  it('daily and monthly budgets: used up → 429 insufficient_quota naming the reset; a new UTC day (and month) serves again', async () => {
    const clock = fixedClock(Date.parse('2026-12-31T23:59:30Z'));
    stack = await startStack({ clock });
    const { id, key } = await limitedKey(stack, { limits: { dailyTokens: 20 } });
    const ok = await chat(stack, key, CHAT_BODY, { 'x-sim-tokens': '30' });
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    const limited = await chat(stack, key);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    // The SDKs would sleep the whole Retry-After (up to a day or a month): they must give up at once.
    expect(limited.headers.get('x-should-retry')).toBe('false');
    expect(await limited.json()).toEqual({
      error: {
        message: 'Daily token budget of 20 tokens used up for this key; it resets at 2027-01-01T00:00:00.000Z (start of the next UTC day).',
        type: 'insufficient_quota',
        code: 'insufficient_quota',
      },
    });
    clock.advance(30_000);
    const nextDay = await chat(stack, key, CHAT_BODY, { 'x-sim-tokens': '1' });
    expect(nextDay.status).toBe(200);
    await nextDay.arrayBuffer();

    // A monthly budget added now starts from the month's usage buckets (the request just served).
    await updateApiKey(stack.store.db, id, { policy: { limits: { dailyTokens: null, monthlyTokens: 5 } } });
    clock.advance(2000); // past the key cache's second
    const month = await chat(stack, key);
    expect(month.status).toBe(429);
    expect(month.headers.get('retry-after')).toBe(String(31 * 86_400 - 2));
    expect(month.headers.get('x-should-retry')).toBe('false');
    expect(((await month.json()) as { error: { message: string } }).error.message).toBe(
      'Monthly token budget of 5 tokens used up for this key; it resets at 2027-02-01T00:00:00.000Z (start of the next UTC month).',
    );
  });

  it('budgets start from the usage already counted today (a gateway restart does not reset them)', async () => {
    const clock = fixedClock(T0);
    stack = await startStack({ clock });
    const k = await stack.createKey('before-limits');
    const r = await chat(stack, k.key, CHAT_BODY, { 'x-sim-tokens': '40' });
    expect(r.status).toBe(200);
    await r.arrayBuffer();
    await updateApiKey(stack.store.db, k.id, { policy: { limits: { dailyTokens: 40 } } });
    clock.advance(2000);
    expect((await chat(stack, k.key)).status).toBe(429);
  });

  it('a budget removed and added back starts from the usage buckets, not from the counter kept before', async () => {
    const clock = fixedClock(T0);
    stack = await startStack({ clock });
    const { id, key } = await limitedKey(stack, { limits: { dailyTokens: 1000 } });
    const send = async (): Promise<number> => {
      const r = await chat(stack!, key, CHAT_BODY, { 'x-sim-tokens': '20' });
      await r.arrayBuffer();
      return r.status;
    };
    expect(await send()).toBe(200);
    // Off: the key has no policy left, so nothing counts against the budget meanwhile.
    await updateApiKey(stack.store.db, id, { policy: { limits: { dailyTokens: null } } });
    clock.advance(2000); // past the key cache's second
    for (let i = 0; i < 5; i++) expect(await send()).toBe(200);
    const used = (await stack.usage(id)).promptTokens + (await stack.usage(id)).completionTokens;
    // Back on, below what was used today: refused.
    await updateApiKey(stack.store.db, id, { policy: { limits: { dailyTokens: used - 1 } } });
    clock.advance(2000);
    expect(await send()).toBe(429);
  });

  it('model scope (after alias rewriting): 403 outside it, /v1/models lists only the allowed ones', async () => {
    stack = await startStack({ clock: fixedClock(T0), env: { PROXY_ALIAS_MODEL: 'sim-model', PROXY_ALIAS_SOURCES: 'gpt-4o' } });
    const { key } = await limitedKey(stack, { allowedModels: ['sim-model'] });
    expect((await chat(stack, key, { ...CHAT_BODY, model: 'gpt-4o' })).status).toBe(200);
    const denied = await chat(stack, key, { ...CHAT_BODY, model: 'other-model' });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ error: { message: 'Model not allowed for this key', type: 'permission_error', code: 403 } });
    const deniedA = await postJson(stack.gatewayUrl, '/v1/messages', undefined, { ...MESSAGES_BODY, model: 'other' }, { 'x-api-key': key });
    expect(await deniedA.json()).toEqual({ type: 'error', error: { type: 'permission_error', message: 'Model not allowed for this key' } });
    const emb = await postJson(stack.gatewayUrl, '/v1/embeddings', key, { model: 'other', input: 'x' });
    expect(emb.status).toBe(403);

    const scoped = await limitedKey(stack, { allowedModels: ['not-served'] });
    const list = await fetch(`${stack.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${scoped.key}` } });
    expect(((await list.json()) as { data: unknown[] }).data).toEqual([]);
    const open = await fetch(`${stack.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await open.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toContain('sim-model');
  });

  it('a scope of a thinking model lists its -nonthinking card too (the scope admits it)', async () => {
    stack = await startStack({ clock: fixedClock(T0), simulator: { model: 'GLM-5.1' } });
    const { key } = await limitedKey(stack, { allowedModels: ['GLM-5.1'] });
    const list = await fetch(`${stack.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await list.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(['GLM-5.1', 'GLM-5.1-nonthinking']);
    expect((await chat(stack, key, { ...CHAT_BODY, model: 'GLM-5.1-nonthinking' })).status).toBe(200);
    const other = await limitedKey(stack, { allowedModels: ['GLM-5.1-nonthinking'] });
    const none = await fetch(`${stack.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${other.key}` } });
    expect(((await none.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual([]);
  });

  it('expiry: 401 "API key expired" from the expiry instant on, in both dialects', async () => {
    const clock = fixedClock(T0);
    stack = await startStack({ clock });
    const { key } = await limitedKey(stack, { expiresAt: new Date(T0 + 5000).toISOString() });
    expect((await chat(stack, key)).status).toBe(200);
    clock.advance(5000);
    const expired = await chat(stack, key);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ error: { message: 'API key expired', type: 'authentication_error', code: 401 } });
    const a = await postJson(stack.gatewayUrl, '/v1/messages', undefined, MESSAGES_BODY, { 'x-api-key': key });
    expect(await a.json()).toEqual({ type: 'error', error: { type: 'authentication_error', message: 'API key expired' } });
  });

  it('priority goes to vLLM as `priority` only with PROXY_FORWARD_PRIORITY=on', async () => {
    stack = await startStack({ clock: fixedClock(T0), simulator: { schedulingPolicy: 'priority' }, env: { PROXY_FORWARD_PRIORITY: 'on' } });
    const high = await limitedKey(stack, { priority: 'high' });
    const low = await limitedKey(stack, { priority: 'low' });
    await (await chat(stack, high.key)).arrayBuffer();
    await (await chat(stack, low.key)).arrayBuffer();
    const plain = await stack.createKey('plain');
    const res = await chat(stack, plain.key);
    expect(res.headers.get('x-ratelimit-limit-requests')).toBeNull();
    await res.arrayBuffer();
    // The gateway owns `priority`: a client's own is replaced (high, low) or dropped (normal, none).
    const normal = await limitedKey(stack, { priority: 'normal', limits: { rpm: 100 } });
    for (const k of [high.key, low.key, normal.key, plain.key]) await (await chat(stack, k, { ...CHAT_BODY, priority: -100 })).arrayBuffer();
    const sent = stack.sim.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => (r.body as { priority?: number }).priority);
    expect(sent).toEqual([-1, 1, undefined, -1, 1, undefined, undefined]);
  });

  it('a backend without the priority policy refuses a forwarded priority: its 400 reaches the client', async () => {
    stack = await startStack({ clock: fixedClock(T0), env: { PROXY_FORWARD_PRIORITY: 'on' } });
    const high = await limitedKey(stack, { priority: 'high' });
    const res = await chat(stack, high.key);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Got priority -1 but Priority scheduling is not enabled.');
  });

  it("priority is not forwarded when PROXY_FORWARD_PRIORITY is off (the default), and a client's own is dropped too", async () => {
    // An engine already on priority scheduling: a client's own -100 would put it ahead of everyone.
    stack = await startStack({ clock: fixedClock(T0), simulator: { schedulingPolicy: 'priority' } });
    const high = await limitedKey(stack, { priority: 'high' });
    const plain = await stack.createKey('plain');
    await (await chat(stack, high.key)).arrayBuffer();
    for (const k of [high.key, plain.key]) {
      const r = await chat(stack, k, { ...CHAT_BODY, priority: -100 });
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    }
    const sent = stack.sim.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => (r.body as { priority?: number }).priority);
    expect(sent).toEqual([undefined, undefined, undefined]);
  });
});

async function expectInFlight(s: Stack, id: string, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await s.app.limits.inFlight(id)) !== n) {
    if (Date.now() > deadline) throw new Error(`in flight stayed at ${await s.app.limits.inFlight(id)}, expected ${n}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
