import { afterEach, describe, expect, it } from 'vitest';
import { chatPromptTokens } from '../../src/simulator/index.js';
import { updateApiKey } from '../../src/store/api-keys.repo.js';
import type { RequestLogSummary } from '../../src/store/request-log.repo.js';
import { fixedClock } from '../helpers/clock.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { CHAT_BODY, postJson, requestLogRows } from './support.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

function sample(text: string, line: string): number | undefined {
  const row = text.split('\n').find((l) => l.startsWith(line + ' '));
  return row === undefined ? undefined : Number(row.slice(line.length + 1));
}

describe('/metrics', () => {
  it('counts requests by endpoint, status and result, tokens, latency and backend health', async () => {
    stack = await startStack({ simulator: { model: 'sim-model', tokens: 7, reasoning: false } });
    const { key } = await stack.createKey();
    const body = { model: 'sim-model', messages: [{ role: 'user', content: 'count these words please' }] };
    const ok = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(ok.status).toBe(200);
    await ok.text();
    const denied = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(denied.status).toBe(401);

    const res = await fetch(`${stack.gatewayUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(sample(text, 'worv_proxy_requests_total{endpoint="chat",status="200",result="complete"}')).toBe(1);
    expect(sample(text, 'worv_proxy_tokens_total{kind="completion"}')).toBe(7);
    expect(sample(text, 'worv_proxy_tokens_total{kind="prompt"}')).toBe(chatPromptTokens(body));
    expect(text).toMatch(/^worv_proxy_requests_total\{endpoint="chat",status="401",result="\w+"\} 1$/m);
    // Both requests are timed; only the one that reached the backend has a first byte.
    expect(sample(text, 'worv_proxy_request_duration_seconds_count{endpoint="chat",stream="false"}')).toBe(2);
    expect(sample(text, 'worv_proxy_time_to_first_byte_seconds_count{endpoint="chat",stream="false"}')).toBe(1);
    expect(sample(text, 'worv_proxy_requests_in_flight')).toBe(0);
    expect(sample(text, 'worv_proxy_backend_up')).toBe(1);
    expect(text).toContain('worv_proxy_process_cpu_user_seconds_total');
  });
});

describe('/metrics per model, per key and per replica', () => {
  it('counts requests and tokens (cached and reasoning included) by model and key id, and each replica up', async () => {
    stack = await startStack({ simulator: { model: 'sim-model', tokens: 4, reasoningTokens: 3, promptTokensDetails: true } });
    const { key, id } = await stack.createKey();
    const long = 'Name three prime numbers greater than one hundred and say why each is prime. '.repeat(4);
    const send = (model: string) =>
      fetch(`${stack!.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: long }] }),
      });
    const first = await send('sim-model');
    await first.text();
    const second = await send('sim-model');
    const usage = ((await second.json()) as { usage: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } } }).usage;
    const cached = usage.prompt_tokens_details.cached_tokens;
    expect(cached).toBeGreaterThan(0);
    // A model no backend serves is refused (404, by the gateway): it counts, but not under its own name.
    const unknown = await send('no-such-model');
    expect(unknown.status).toBe(404);
    await unknown.text();

    const text = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
    expect(sample(text, 'worv_proxy_model_requests_total{model="sim-model",result="complete"}')).toBe(2);
    expect(text).toMatch(/^worv_proxy_model_requests_total\{model="",result="[a-z_]+"\} 1$/m);
    expect(text).not.toContain('no-such-model');
    expect(sample(text, 'worv_proxy_model_tokens_total{model="sim-model",kind="prompt"}')).toBe(2 * usage.prompt_tokens);
    expect(sample(text, 'worv_proxy_model_tokens_total{model="sim-model",kind="completion"}')).toBe(2 * 7);
    expect(sample(text, 'worv_proxy_model_tokens_total{model="sim-model",kind="cached"}')).toBe(cached);
    expect(sample(text, 'worv_proxy_model_tokens_total{model="sim-model",kind="reasoning"}')).toBe(2 * 3);
    expect(sample(text, 'worv_proxy_tokens_total{kind="cached"}')).toBe(cached);
    expect(sample(text, 'worv_proxy_tokens_total{kind="reasoning"}')).toBe(2 * 3);
    expect(sample(text, `worv_proxy_key_requests_total{key_id="${id}",result="complete"}`)).toBe(2);
    expect(sample(text, `worv_proxy_key_tokens_total{key_id="${id}",kind="cached"}`)).toBe(cached);
    expect(sample(text, `worv_proxy_key_tokens_total{key_id="${id}",kind="reasoning"}`)).toBe(2 * 3);
    expect(sample(text, 'worv_proxy_model_time_to_first_token_seconds_count{model="sim-model",stream="false"}')).toBe(2);
    expect(sample(text, 'worv_proxy_model_request_duration_seconds_count{model="sim-model",stream="false"}')).toBe(2);
    expect(sample(text, `worv_proxy_replica_up{replica="${stack.sim.url}"}`)).toBe(1);
    expect(sample(text, `worv_proxy_replica_hung{replica="${stack.sim.url}"}`)).toBe(0);
    // Its model's only replica took both requests it was sent (the refused one never left).
    expect(sample(text, `worv_proxy_replica_routed_total{replica="${stack.sim.url}",route="only"}`)).toBe(2);
    expect(sample(text, `worv_proxy_replica_requests_in_flight{replica="${stack.sim.url}"}`)).toBe(0);
  });
});

/** The rows of the request log once the writer has written `n` for the key. */
async function logRows(s: Stack, keyId: string, n: number): Promise<RequestLogSummary[]> {
  const rows = await requestLogRows(s, keyId, n);
  expect(rows).toHaveLength(n);
  return rows;
}

describe('time to first token', () => {
  it('is the time of the first body bytes, not of the response head: a 300 ms TTFT shows in the request log and both histograms', async () => {
    stack = await startStack({ simulator: { model: 'sim-model', tokens: 3, ttftMs: 300 } });
    const { id, key } = await stack.createKey();
    for (const stream of [true, false]) {
      const res = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, { ...CHAT_BODY, stream });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const rows = await logRows(stack, id, 2);
    for (const r of rows) {
      expect(r.ttft_ms).toBeGreaterThanOrEqual(300);
      expect(r.duration_ms).toBeGreaterThanOrEqual(r.ttft_ms!);
    }
    const text = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
    for (const stream of ['true', 'false']) {
      expect(sample(text, `worv_proxy_model_time_to_first_token_seconds_count{model="sim-model",stream="${stream}"}`)).toBe(1);
      expect(sample(text, `worv_proxy_model_time_to_first_token_seconds_bucket{le="0.25",model="sim-model",stream="${stream}"}`)).toBe(0);
      expect(sample(text, `worv_proxy_time_to_first_byte_seconds_bucket{le="0.25",endpoint="chat",stream="${stream}"}`)).toBe(0);
      expect(sample(text, `worv_proxy_time_to_first_byte_seconds_count{endpoint="chat",stream="${stream}"}`)).toBe(1);
    }
  });
});

describe('results of backend errors and refused requests', () => {
  it('a backend 5xx passed through counts as upstream-error (request log, all three request counters); a backend 4xx stays complete', async () => {
    stack = await startStack();
    const { id, key } = await stack.createKey();
    for (const status of [500, 503, 400]) {
      const res = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY, { 'x-sim-fault': `status:${status}` });
      expect(res.status).toBe(status);
      // The client still gets the backend's own answer.
      expect(res.headers.get('server')).toBe('vllm-simulator');
      await res.arrayBuffer();
    }
    const rows = await logRows(stack, id, 3);
    expect(rows.map((r) => ({ status: r.status, result: r.result, error: r.error }))).toEqual([
      { status: 400, result: 'complete', error: null },
      { status: 503, result: 'upstream-error', error: null },
      { status: 500, result: 'upstream-error', error: null },
    ]);
    const text = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
    expect(sample(text, 'worv_proxy_requests_total{endpoint="chat",status="500",result="upstream-error"}')).toBe(1);
    expect(sample(text, 'worv_proxy_requests_total{endpoint="chat",status="503",result="upstream-error"}')).toBe(1);
    expect(sample(text, 'worv_proxy_requests_total{endpoint="chat",status="400",result="complete"}')).toBe(1);
    expect(text).not.toMatch(/^worv_proxy_requests_total\{endpoint="chat",status="50\d",result="complete"\}/m);
    // A listed model keeps its label when its answer failed: a per-model error rate.
    expect(sample(text, 'worv_proxy_model_requests_total{model="sim-model",result="upstream-error"}')).toBe(2);
    expect(sample(text, 'worv_proxy_model_requests_total{model="sim-model",result="complete"}')).toBe(1);
    expect(text).not.toMatch(/^worv_proxy_model_requests_total\{model=""/m);
    // None of the three is an answer the model served: the model's latency leaves them out.
    expect(text).not.toMatch(/^worv_proxy_model_(request_duration|time_to_first_token)_seconds_count/m);
    expect(sample(text, `worv_proxy_key_requests_total{key_id="${id}",result="upstream-error"}`)).toBe(2);
    expect(sample(text, `worv_proxy_key_requests_total{key_id="${id}",result="complete"}`)).toBe(1);
  });

  it('a 429 counts under the limit that refused it: concurrency (held, and for more choices than the limit), tokens per minute, a daily budget', async () => {
    stack = await startStack({ clock: fixedClock(Date.parse('2026-12-04T10:00:20Z')) });
    const s = stack;
    const conc = await s.createKey('conc');
    await updateApiKey(s.store.db, conc.id, { policy: { limits: { concurrency: 1 } } });
    const tpm = await s.createKey('tpm');
    await updateApiKey(s.store.db, tpm.id, { policy: { limits: { tpm: 50 } } });
    const daily = await s.createKey('daily');
    await updateApiKey(s.store.db, daily.id, { policy: { limits: { dailyTokens: 1 } } });
    const status = async (key: string, body: object, headers: Record<string, string> = {}): Promise<number> => {
      const res = await postJson(s.gatewayUrl, '/v1/chat/completions', key, body, headers);
      await res.arrayBuffer();
      return res.status;
    };
    const ctrl = new AbortController();
    const held = postJson(s.gatewayUrl, '/v1/chat/completions', conc.key, { ...CHAT_BODY, stream: true }, { 'x-sim-hold': 'm-conc' }, ctrl.signal).catch(() => undefined);
    await s.sim.waitForHold('m-conc');
    expect([await status(conc.key, CHAT_BODY), await status(conc.key, { ...CHAT_BODY, n: 2 })]).toEqual([429, 429]);
    ctrl.abort();
    s.sim.release('m-conc');
    await held;
    // The first is admitted in the empty window; each next one's charge alone (its input estimate and 100) is past 50.
    expect([await status(tpm.key, { ...CHAT_BODY, max_tokens: 100 }), await status(tpm.key, { ...CHAT_BODY, max_tokens: 100 }), await status(tpm.key, { ...CHAT_BODY, max_tokens: 100 })]).toEqual([200, 429, 429]);
    expect(await status(daily.key, CHAT_BODY)).toBe(200);
    expect(await status(daily.key, CHAT_BODY)).toBe(429);
    const text = await (await fetch(`${s.gatewayUrl}/metrics`)).text();
    expect(sample(text, `worv_proxy_key_rate_limited_total{key_id="${conc.id}",limit="concurrency"}`)).toBe(2);
    expect(sample(text, `worv_proxy_key_rate_limited_total{key_id="${tpm.id}",limit="tpm"}`)).toBe(2);
    expect(sample(text, `worv_proxy_key_rate_limited_total{key_id="${daily.id}",limit="daily"}`)).toBe(1);
  });

  it('requests the gateway refuses with a known key (429, 403, 404, 400) count under their key as rejected', async () => {
    // A fixed clock: the per-minute window cannot turn between the first request and the 429.
    stack = await startStack({ clock: fixedClock(Date.parse('2026-12-04T10:00:20Z')) });
    const limited = await stack.createKey('limited');
    await updateApiKey(stack.store.db, limited.id, { policy: { limits: { rpm: 1 }, allowedModels: ['sim-model'] } });
    const plain = await stack.createKey('plain');
    const send = async (key: string, body: object, status: number): Promise<void> => {
      const res = await postJson(stack!.gatewayUrl, '/v1/chat/completions', key, body);
      expect(res.status).toBe(status);
      await res.arrayBuffer();
    };
    await send(limited.key, CHAT_BODY, 200);
    await send(limited.key, { ...CHAT_BODY, model: 'other-model' }, 403);
    await send(limited.key, CHAT_BODY, 429);
    await send(plain.key, { ...CHAT_BODY, model: 'no-such-model' }, 404);
    await send(plain.key, { ...CHAT_BODY, max_tokens: -5 }, 400);
    await send(plain.key, { model: 'sim-model', messages: 'not a list' }, 400);
    await send('wp-not-a-key', CHAT_BODY, 401);
    const text = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
    expect(sample(text, `worv_proxy_key_requests_total{key_id="${limited.id}",result="complete"}`)).toBe(1);
    expect(sample(text, `worv_proxy_key_requests_total{key_id="${limited.id}",result="rejected"}`)).toBe(2);
    expect(sample(text, `worv_proxy_key_requests_total{key_id="${plain.id}",result="rejected"}`)).toBe(3);
    // Which limit refused: only the 429 counts (the 403 is the model scope, no limit).
    expect(text.split('\n').filter((l) => l.startsWith('worv_proxy_key_rate_limited_total{'))).toEqual([`worv_proxy_key_rate_limited_total{key_id="${limited.id}",limit="rpm"} 1`]);
    // A listed model keeps its name on a refusal (the 429, both 400s, one of them for the body's
    // shape); a model no backend lists (403, 404) and a request with no body read (401) do not.
    expect(sample(text, 'worv_proxy_model_requests_total{model="sim-model",result="rejected"}')).toBe(3);
    expect(sample(text, 'worv_proxy_model_requests_total{model="",result="rejected"}')).toBe(3);
    expect(text).not.toContain('other-model');
    // Refusals stay out of the models' latency: only the request served was observed.
    expect(sample(text, 'worv_proxy_model_request_duration_seconds_count{model="sim-model",stream="false"}')).toBe(1);
    expect(sample(text, 'worv_proxy_model_time_to_first_token_seconds_count{model="sim-model",stream="false"}')).toBe(1);
    expect(text).not.toMatch(/^worv_proxy_model_(request_duration|time_to_first_token)_seconds_count\{model=""/m);
    const rows = await requestLogRows(stack, plain.id, 3);
    expect(rows.map((r) => [r.status, r.model]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([[400, 'sim-model'], [400, 'sim-model'], [404, 'no-such-model']]);
    // Each refusal's row says which limit or rule refused it, as the client was told.
    // (One clock instant for all: the rows' order is their writing order, so they are sorted here.)
    const refused = await requestLogRows(stack, limited.id, 3);
    expect(refused.map((r) => [r.status, r.error, r.error_message]).sort((a, b) => Number(b[0]) - Number(a[0]))).toEqual([
      [429, 'rate_limited', 'Rate limit exceeded: 1 request per minute for this key. Retry in 40 s.'],
      [403, 'forbidden', 'Model not allowed for this key'],
      [200, null, null],
    ]);
    // An unknown key has no id to count under; nor do refused requests add tokens or usage.
    expect(text.match(/^worv_proxy_key_requests_total\{/gm)).toHaveLength(3);
    expect(sample(text, `worv_proxy_key_tokens_total{key_id="${plain.id}",kind="prompt"}`)).toBeUndefined();
    expect((await stack.usage(plain.id)).requests).toBe(0);
  });
});
