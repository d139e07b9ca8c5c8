// A stream that ends without the backend's usage (the client leaves, the backend cuts it, or it
// ends with an error event) is charged an estimate: the input estimate (payload bytes // 3)
// unless the backend reported the prompt (Anthropic's message_start), one completion token per
// output delta relayed, and of those one reasoning token per reasoning delta. The stored usage, the key's limits, the request log and the metrics
// all get the same figures, so breaking out of streams cannot get around token budgets.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { updateApiKey } from '../../src/store/api-keys.repo.js';
import { fixedClock } from '../helpers/clock.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { frames, postJson, rawRequest, readAll, readUntil, requestLogRows, simId, until } from './support.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const T0 = Date.parse('2026-12-04T10:00:20Z');

// Prompt text of 300 characters ("role" + "user" + "content" + 285): an input estimate of 100
// tokens, where the simulator counts ceil(285 / 4) + 3 = 75.
const CONTENT = 'x'.repeat(285);
const ESTIMATE = 100;
const CHAT = { model: 'sim-model', max_tokens: 200, stream: true, messages: [{ role: 'user', content: CONTENT }] };
const MESSAGES = { model: 'sim-model', max_tokens: 200, stream: true, messages: [{ role: 'user', content: CONTENT }] };
// A Responses `input` string is all prompt text: 300 characters.
const RESPONSES = { model: 'sim-model', max_output_tokens: 200, stream: true, input: 'x'.repeat(300) };

/** Text deltas among SSE frames, read as a client would (one generated token each). */
function deltas(text: string): number {
  let n = 0;
  for (const f of frames(text)) {
    const data = f.split('\n').find((l) => l.startsWith('data: {'));
    if (data === undefined) continue;
    const e = JSON.parse(data.slice(6)) as {
      type?: string;
      choices?: { delta?: { content?: string | null; reasoning?: string | null } }[];
      delta?: { type?: string };
    };
    const d = e.choices?.[0]?.delta;
    if (d !== undefined && ((d.content ?? '') !== '' || (d.reasoning ?? '') !== '')) n++;
    if (e.type === 'content_block_delta' && e.delta?.type !== 'signature_delta') n++;
    if (e.type === 'response.output_text.delta' || e.type === 'response.reasoning_text.delta') n++;
  }
  return n;
}

/** Reasoning deltas among SSE frames (chat `reasoning`, Anthropic `thinking_delta`, Responses reasoning text). */
function reasoningDeltas(text: string): number {
  let n = 0;
  for (const f of frames(text)) {
    const data = f.split('\n').find((l) => l.startsWith('data: {'));
    if (data === undefined) continue;
    const e = JSON.parse(data.slice(6)) as { type?: string; choices?: { delta?: { reasoning?: string | null } }[]; delta?: { type?: string } };
    if ((e.choices?.[0]?.delta?.reasoning ?? '') !== '') n++;
    if (e.type === 'content_block_delta' && e.delta?.type === 'thinking_delta') n++;
    if (e.type === 'response.reasoning_text.delta') n++;
  }
  return n;
}

/** Opens a stream held by the simulator after `after` events, reads those, and leaves. */
async function abortAfter(s: Stack, key: string, path: string, body: object, after: number, tag: string): Promise<string> {
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-sim-tokens': '100', 'x-sim-hold': tag, 'x-sim-hold-after': String(after) };
  if (after === 0) {
    // Before the first event the client has nothing, not even the head (the gateway passes the
    // backend's on with the first body byte): it leaves while the request waits at the engine.
    const url = new URL(s.gatewayUrl);
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path, headers, agent: false });
    req.on('error', () => undefined);
    req.end(JSON.stringify(body));
    await s.sim.waitForHold(tag);
    const held = s.sim.requests.at(-1)!;
    req.destroy();
    expect(await held.closed).toBe('aborted');
    s.sim.release(tag);
    return '';
  }
  const r = await rawRequest(s.gatewayUrl, { method: 'POST', path, headers, body: JSON.stringify(body) });
  expect(r.status).toBe(200);
  await s.sim.waitForHold(tag);
  const seen = await readUntil(r.res, (t) => frames(t).length >= after);
  const rec = s.sim.getRequest(simId(r.headers))!;
  r.res.destroy();
  expect(await rec.closed).toBe('aborted');
  s.sim.release(tag);
  return seen;
}


async function metric(s: Stack, line: string): Promise<number | undefined> {
  const text = await (await fetch(`${s.gatewayUrl}/metrics`)).text();
  const row = text.split('\n').find((l) => l.startsWith(line + ' '));
  return row === undefined ? undefined : Number(row.slice(line.length + 1));
}

describe('usage of a stream that ends without the backend\'s usage', () => {
  it('chat streams the client breaks out of are charged the input estimate and the deltas relayed; the daily budget then refuses', async () => {
    stack = await startStack({ clock: fixedClock(T0), simulator: { reasoning: false } });
    const s = stack;
    const k = await s.createKey('budget');
    await updateApiKey(s.store.db, k.id, { policy: { limits: { dailyTokens: 300, tpm: 2000 } } });

    // The role chunk and 50 content deltas reach the client; then it leaves.
    const seen = await abortAfter(s, k.key, '/v1/chat/completions', CHAT, 51, 'chat-1');
    expect(deltas(seen)).toBe(50);
    await until(async () => (await s.usage(k.id)).requests === 1);
    expect(await s.usage(k.id)).toEqual({ requests: 1, promptTokens: ESTIMATE, completionTokens: 50 });
    const [row] = await requestLogRows(s, k.id, 1);
    expect(row).toMatchObject({ result: 'aborted', status: 200, stream: 1, prompt_tokens: ESTIMATE, completion_tokens: 50, cached_tokens: 0, reasoning_tokens: 0, usage_estimated: 1 });
    expect(await metric(s, `worv_proxy_key_tokens_total{key_id="${k.id}",kind="prompt"}`)).toBe(ESTIMATE);
    expect(await metric(s, `worv_proxy_key_tokens_total{key_id="${k.id}",kind="completion"}`)).toBe(50);
    expect(await metric(s, 'worv_proxy_model_tokens_total{model="sim-model",kind="completion"}')).toBe(50);
    expect(await metric(s, 'worv_proxy_tokens_total{kind="prompt"}')).toBe(ESTIMATE);

    // The minute's tokens were settled to the same 150: a request charged 100 + 200 leaves 2000 − 150 − 300.
    await abortAfter(s, k.key, '/v1/chat/completions', CHAT, 51, 'chat-2');
    await until(async () => (await s.usage(k.id)).requests === 2);
    expect(await s.usage(k.id)).toEqual({ requests: 2, promptTokens: 2 * ESTIMATE, completionTokens: 100 });

    // 300 tokens used today: the budget refuses.
    const refused = await postJson(s.gatewayUrl, '/v1/chat/completions', k.key, { ...CHAT, stream: false });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('insufficient_quota');
    expect(s.sim.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(2);
  });

  it('a thinking model\'s chat stream left while it reasons: its reasoning deltas are the reasoning tokens, in the request log and the usage', async () => {
    stack = await startStack();
    const s = stack;
    const k = await s.createKey('thinking');
    // The role chunk, then reasoning deltas (the simulator reasons first); the client leaves after 20.
    const seen = await abortAfter(s, k.key, '/v1/chat/completions', CHAT, 21, 'think');
    const n = deltas(seen);
    const reasoning = reasoningDeltas(seen);
    expect(reasoning).toBeGreaterThan(0);
    expect(reasoning).toBeLessThanOrEqual(n);
    await until(async () => (await s.usage(k.id)).requests === 1);
    expect(await s.usage(k.id)).toEqual({ requests: 1, promptTokens: ESTIMATE, completionTokens: n });
    const [row] = await requestLogRows(s, k.id, 1);
    expect(row).toMatchObject({ result: 'aborted', prompt_tokens: ESTIMATE, completion_tokens: n, reasoning_tokens: reasoning, usage_estimated: 1 });
    await s.app.usageWriter.drain();
    const totals = await s.store.db.selectFrom('usage_totals').select('reasoning_tokens').where('key_id', '=', k.id).executeTakeFirstOrThrow();
    expect(Number(totals.reasoning_tokens)).toBe(reasoning);
  });

  it('a stream left before its first byte (while queued for an engine slot) counts no tokens', async () => {
    stack = await startStack({ simulator: { reasoning: false } });
    const k = await stack.createKey('queued');
    expect(await abortAfter(stack, k.key, '/v1/chat/completions', CHAT, 0, 'queued')).toBe('');
    await until(async () => (await stack!.usage(k.id)).requests === 1);
    expect(await stack.usage(k.id)).toEqual({ requests: 1, promptTokens: 0, completionTokens: 0 });
  });

  it('the per-minute token count is settled to the estimate', async () => {
    stack = await startStack({ clock: fixedClock(T0), simulator: { reasoning: false } });
    const s = stack;
    const k = await s.createKey('tpm');
    await updateApiKey(s.store.db, k.id, { policy: { limits: { tpm: 2000 } } });
    await abortAfter(s, k.key, '/v1/chat/completions', CHAT, 31, 'tpm');
    await until(async () => (await s.usage(k.id)).requests === 1);
    const next = await postJson(s.gatewayUrl, '/v1/chat/completions', k.key, { ...CHAT, stream: false }, { 'x-sim-tokens': '1' });
    expect(next.status).toBe(200);
    // 2000 − (100 + 30 settled) − (100 + 200 charged to this one).
    expect(next.headers.get('x-ratelimit-remaining-tokens')).toBe(String(2000 - (ESTIMATE + 30) - (ESTIMATE + 200)));
    await next.arrayBuffer();
  });

  it('a Responses stream the client leaves: the input estimate and the text deltas relayed', async () => {
    stack = await startStack({ simulator: { reasoning: false } });
    const s = stack;
    const k = await s.createKey('responses');
    const seen = await abortAfter(s, k.key, '/v1/responses', RESPONSES, 12, 'resp');
    const n = deltas(seen);
    expect(n).toBeGreaterThan(3);
    await until(async () => (await s.usage(k.id)).requests === 1);
    expect(await s.usage(k.id)).toEqual({ requests: 1, promptTokens: ESTIMATE, completionTokens: n });
    const [row] = await requestLogRows(s, k.id, 1);
    expect(row).toMatchObject({ endpoint: 'responses', result: 'aborted', prompt_tokens: ESTIMATE, completion_tokens: n, usage_estimated: 1 });
  });

  it('an Anthropic stream the client leaves: the input tokens message_start reported and the deltas relayed (thinking included)', async () => {
    stack = await startStack();
    const s = stack;
    const k = await s.createKey('messages');
    const seen = await abortAfter(s, k.key, '/v1/messages', MESSAGES, 14, 'msg');
    const n = deltas(seen);
    expect(n).toBeGreaterThan(5);
    const start = JSON.parse(frames(seen)[0]!.split('\n')[1]!.slice(6)) as { message: { usage: { input_tokens: number } } };
    const input = start.message.usage.input_tokens;
    expect(input).toBe(Math.ceil(285 / 4) + 3);
    await until(async () => (await s.usage(k.id)).requests === 1);
    expect(await s.usage(k.id)).toEqual({ requests: 1, promptTokens: input, completionTokens: n });
    const thinking = reasoningDeltas(seen);
    expect(thinking).toBeGreaterThan(0);
    const [row] = await requestLogRows(s, k.id, 1);
    expect(row).toMatchObject({ endpoint: 'messages', result: 'aborted', prompt_tokens: input, completion_tokens: n, reasoning_tokens: thinking, usage_estimated: 1 });
  });

  it('a chat stream the backend ends with an error event: the estimate, result upstream-error', async () => {
    stack = await startStack({ simulator: { reasoning: false } });
    const s = stack;
    const k = await s.createKey('error');
    const res = await postJson(s.gatewayUrl, '/v1/chat/completions', k.key, CHAT, { 'x-sim-fault': 'error:8' });
    const text = await res.text();
    expect(text).toContain('Simulated error during generation');
    const n = deltas(text);
    expect(n).toBe(7);
    expect(await s.usage(k.id)).toEqual({ requests: 1, promptTokens: ESTIMATE, completionTokens: n });
    const [row] = await requestLogRows(s, k.id, 1);
    expect(row).toMatchObject({ result: 'upstream-error', prompt_tokens: ESTIMATE, completion_tokens: n, usage_estimated: 1 });
  });

  it('a stream the backend cuts midway (read timeout): the estimate', async () => {
    stack = await startStack({ simulator: { reasoning: false }, env: { PROXY_STREAM_READ_TIMEOUT: '1' } });
    const s = stack;
    const k = await s.createKey('cut');
    const r = await rawRequest(s.gatewayUrl, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${k.key}`, 'content-type': 'application/json', 'x-sim-fault': 'stall:6' },
      body: JSON.stringify(CHAT),
    });
    const text = (await readAll(r.res)).toString();
    expect(text).toContain('Backend timeout');
    // The stall comes after 6 events (the role chunk and 5 deltas); a busy machine may cut sooner.
    const n = deltas(text);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(5);
    expect(await s.usage(k.id)).toEqual({ requests: 1, promptTokens: ESTIMATE, completionTokens: n });
  });

  it('a completed stream is charged what the backend reported, not the estimate', async () => {
    stack = await startStack({ simulator: { reasoning: false } });
    const s = stack;
    const k = await s.createKey('complete');
    const res = await postJson(s.gatewayUrl, '/v1/chat/completions', k.key, CHAT, { 'x-sim-tokens': '20' });
    const text = await res.text();
    expect(deltas(text)).toBe(20);
    expect(await s.usage(k.id)).toEqual({ requests: 1, promptTokens: Math.ceil(285 / 4) + 3, completionTokens: 20 });
    const [row] = await requestLogRows(s, k.id, 1);
    expect(row).toMatchObject({ result: 'complete', prompt_tokens: Math.ceil(285 / 4) + 3, completion_tokens: 20, usage_estimated: 0 });
  });
});
