// The gateway's fair queue (PROXY_REPLICA_SLOTS) made to happen against the simulator: held
// streams fill the model's slots, further requests wait in the gateway (the backend never sees
// them), keys take turns at the freed slots, a waiting client that leaves gives its
// place back, a wait past PROXY_QUEUE_TIMEOUT is 503 in each dialect, and the request log and
// /metrics show the waits.
import { afterEach, describe, expect, it } from 'vitest';
import { updateApiKey } from '../../src/store/api-keys.repo.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { startFleetStack, type FleetStack } from '../helpers/fleet-stack.js';
import { CHAT_BODY, MESSAGES_BODY, rawRequest, readAll, requestLogRows, until, type RawResponse } from './support.js';

let stack: Stack | undefined;
let fleet: FleetStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  await fleet?.close();
  fleet = undefined;
});

const STREAM = JSON.stringify({ ...CHAT_BODY, stream: true });

/** A streaming chat request held at the simulator under `tag` once it gets there. */
function open(s: Stack, key: string, tag: string, extra: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(s.gatewayUrl, {
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-sim-hold': tag, ...extra },
    body: STREAM,
  });
}

/** The tags of the requests the simulator received, in arrival order. */
const arrived = (s: Stack): string[] => s.sim.requests.map((r) => String(r.headers['x-sim-hold']));

const waiting = (s: Stack): number => s.app.dataPlane.queued().reduce((n, q) => n + q.waiting, 0);

describe('fair queue (PROXY_REPLICA_SLOTS)', () => {
  it('holds requests past the slots in the gateway; keys take turns at the freed slots, however many each sends', async () => {
    stack = await startStack({ env: { PROXY_REPLICA_SLOTS: '2' } });
    const s = stack;
    const a = await s.createKey('greedy');
    const b = await s.createKey('light');
    // The listed model's queue shows before any request.
    expect(s.app.dataPlane.queued()).toEqual([{ model: 'sim-model', waiting: 0, running: 0, capacity: 2 }]);
    const a1 = await open(s, a.key, 'a1');
    const a2 = await open(s, a.key, 'a2');
    await s.sim.waitForHold('a2');
    // Three more of a's, then one of b's: none reaches the backend.
    const a3 = open(s, a.key, 'a3');
    const a4 = open(s, a.key, 'a4');
    const a5 = open(s, a.key, 'a5');
    await until(() => waiting(s) === 3);
    const b1 = open(s, b.key, 'b1');
    await until(() => waiting(s) === 4);
    expect(s.app.dataPlane.queued()).toEqual([{ model: 'sim-model', waiting: 4, running: 2, capacity: 2 }]);
    // GET /api/backends (the console's Backends page) shows it on the model.
    expect(s.app.dataPlane.backendsView().models).toEqual([
      { id: 'sim-model', replicas: [{ url: s.sim.url, routing_share: 1 }], queue: { waiting: 4, running: 2, capacity: 2 } },
    ]);
    expect(arrived(s)).toEqual(['a1', 'a2']);
    // a1 ends: a has had two turns, b none: b's request goes before a's three that waited longer.
    s.sim.release('a1');
    await readAll(a1.res);
    await s.sim.waitForHold('b1');
    expect(arrived(s)).toEqual(['a1', 'a2', 'b1']);
    s.sim.release('a2');
    await readAll(a2.res);
    await s.sim.waitForHold('a3');
    s.sim.release('b1');
    await readAll((await b1).res);
    await s.sim.waitForHold('a4');
    expect(arrived(s)).toEqual(['a1', 'a2', 'b1', 'a3', 'a4']);
    for (const tag of ['a3', 'a4']) s.sim.release(tag);
    await Promise.all([a3, a4].map(async (r) => readAll((await r).res)));
    await s.sim.waitForHold('a5');
    s.sim.release('a5');
    const last = await a5;
    expect(last.status).toBe(200);
    expect((await readAll(last.res)).toString()).toContain('data: [DONE]');
    expect(s.app.dataPlane.queued()).toEqual([{ model: 'sim-model', waiting: 0, running: 0, capacity: 2 }]);

    // The request log: the two that went at once did not wait; b1 and a5 did.
    const rowsB = await requestLogRows(s, b.id, 1);
    expect(rowsB[0]).toMatchObject({ status: 200, result: 'complete' });
    expect(rowsB[0]!.queued_ms).toBeGreaterThan(0);
    expect(rowsB[0]!.ttft_ms).toBeGreaterThanOrEqual(rowsB[0]!.queued_ms!);
    const rowsA = await requestLogRows(s, a.id, 5);
    const queued = rowsA.map((r) => r.queued_ms).reverse();
    expect(queued.slice(0, 2)).toEqual([null, null]);
    for (const ms of queued.slice(2)) expect(ms).toBeGreaterThan(0);

    // /metrics: the gauges, and one wait observed per request that waited.
    const text = await (await fetch(`${s.gatewayUrl}/metrics`)).text();
    expect(text).toContain('worv_proxy_queue_requests_waiting{model="sim-model"} 0\n');
    expect(text).toContain('worv_proxy_queue_sequences_running{model="sim-model"} 0\n');
    expect(text).toContain('worv_proxy_queue_capacity{model="sim-model"} 2\n');
    expect(text).toContain('worv_proxy_queue_wait_seconds_count{model="sim-model",stream="true"} 4\n');
  });

  it('a high-priority key gets the freed slot before a normal one that waited longer', async () => {
    stack = await startStack({ env: { PROXY_REPLICA_SLOTS: '1' } });
    const s = stack;
    const filler = await s.createKey('filler');
    const normal = await s.createKey('normal');
    const high = await s.createKey('high');
    await updateApiKey(s.store.db, high.id, { policy: { priority: 'high' } });
    const f = await open(s, filler.key, 'f');
    const n1 = open(s, normal.key, 'n1');
    await until(() => waiting(s) === 1);
    const h1 = open(s, high.key, 'h1');
    await until(() => waiting(s) === 2);
    s.sim.release('f');
    await readAll(f.res);
    await s.sim.waitForHold('h1');
    expect(arrived(s)).toEqual(['f', 'h1']);
    s.sim.release('h1');
    await readAll((await h1).res);
    await s.sim.waitForHold('n1');
    s.sim.release('n1');
    expect((await n1).status).toBe(200);
  });

  it('a waiting client that leaves gives its place back: the backend never sees it, and its row says aborted', async () => {
    stack = await startStack({ env: { PROXY_REPLICA_SLOTS: '1' } });
    const s = stack;
    const k = await s.createKey();
    const held = await open(s, k.key, 'held');
    const ctl = new AbortController();
    const gone = fetch(`${s.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${k.key}`, 'content-type': 'application/json', 'x-sim-hold': 'gone' },
      body: STREAM,
      signal: ctl.signal,
    }).catch((err: unknown) => err);
    await until(() => waiting(s) === 1);
    ctl.abort();
    await gone;
    await until(() => waiting(s) === 0);
    s.sim.release('held');
    await readAll(held.res);
    // The slot is free: the next request goes at once.
    const next = await open(s, k.key, 'next');
    await s.sim.waitForHold('next');
    s.sim.release('next');
    await readAll(next.res);
    expect(arrived(s)).toEqual(['held', 'next']);
    const rows = await requestLogRows(s, k.id, 3);
    expect(rows.map((r) => [r.status, r.result, r.queued_ms === null])).toEqual([
      [200, 'complete', true],
      [499, 'aborted', false],
      [200, 'complete', true],
    ]);
    expect(s.app.dataPlane.queued()).toEqual([{ model: 'sim-model', waiting: 0, running: 0, capacity: 1 }]);
  });

  it('a wait past PROXY_QUEUE_TIMEOUT is 503 with Retry-After, in the OpenAI and the Anthropic dialect', async () => {
    stack = await startStack({ env: { PROXY_REPLICA_SLOTS: '1', PROXY_QUEUE_TIMEOUT: '0.3' } });
    const s = stack;
    const k = await s.createKey();
    const held = await open(s, k.key, 'held');
    const message = "Model sim-model is busy: this request waited 0.3 s for a free slot in the gateway's queue. Retry later.";
    const chat = await fetch(`${s.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${k.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(CHAT_BODY),
    });
    expect(chat.status).toBe(503);
    expect(chat.headers.get('retry-after')).toBe('5');
    expect(await chat.json()).toEqual({ error: { message, type: 'server_error', code: 503 } });
    const messages = await fetch(`${s.gatewayUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': k.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(MESSAGES_BODY),
    });
    expect(messages.status).toBe(503);
    expect(messages.headers.get('retry-after')).toBe('5');
    expect(await messages.json()).toEqual({ type: 'error', error: { type: 'overloaded_error', message } });
    s.sim.release('held');
    await readAll(held.res);
    expect(arrived(s)).toEqual(['held']);
    const rows = await requestLogRows(s, k.id, 3);
    expect(rows.slice(0, 2).map((r) => [r.status, r.error, r.error_message])).toEqual([
      [503, 'overloaded', message],
      [503, 'overloaded', message],
    ]);
    // The whole wait is in the row and the histogram.
    for (const r of rows.slice(0, 2)) expect(r.queued_ms).toBeGreaterThanOrEqual(300);
    const text = await (await fetch(`${s.gatewayUrl}/metrics`)).text();
    expect(text).toContain('worv_proxy_queue_wait_seconds_count{model="sim-model",stream="false"} 2\n');
  });

  it('without slots nothing waits: every request reaches the backend, and no queue is shown', async () => {
    stack = await startStack();
    const s = stack;
    const k = await s.createKey();
    const held = await Promise.all(['x1', 'x2', 'x3'].map((tag) => open(s, k.key, tag)));
    await s.sim.waitForHold('x3');
    expect(arrived(s).sort()).toEqual(['x1', 'x2', 'x3']);
    expect(s.app.dataPlane.queued()).toEqual([]);
    expect(s.app.dataPlane.backendsView().models.map((m) => m.queue)).toEqual([null]);
    for (const tag of ['x1', 'x2', 'x3']) s.sim.release(tag);
    await Promise.all(held.map((r) => readAll(r.res)));
    const text = await (await fetch(`${s.gatewayUrl}/metrics`)).text();
    expect(text).not.toContain('worv_proxy_queue_requests_waiting{');
  });

  it('a request that names no model waits in the queue of the model the backend runs for it', async () => {
    stack = await startStack({ env: { PROXY_REPLICA_SLOTS: '1' } });
    const s = stack;
    const k = await s.createKey();
    const held = await open(s, k.key, 'held');
    const body = (model: unknown) => JSON.stringify({ ...(model === undefined ? {} : { model }), messages: CHAT_BODY.messages, stream: true });
    const none = rawRequest(s.gatewayUrl, { method: 'POST', path: '/v1/chat/completions', headers: { authorization: `Bearer ${k.key}`, 'content-type': 'application/json', 'x-sim-hold': 'none' }, body: body(undefined) });
    const empty = rawRequest(s.gatewayUrl, { method: 'POST', path: '/v1/chat/completions', headers: { authorization: `Bearer ${k.key}`, 'content-type': 'application/json', 'x-sim-hold': 'empty' }, body: body('') });
    await until(() => waiting(s) === 2);
    expect(arrived(s)).toEqual(['held']);
    for (const tag of ['held', 'none', 'empty']) {
      await s.sim.waitForHold(tag);
      s.sim.release(tag);
    }
    await Promise.all([held, await none, await empty].map((r) => readAll(r.res)));
    expect(arrived(s)).toEqual(['held', 'none', 'empty']);
  });

  it('a LoRA adapter waits in its base model\'s queue (one engine runs both); /v1/models lists it with its parent', async () => {
    stack = await startStack({ env: { PROXY_REPLICA_SLOTS: '1' }, simulator: { loraModules: 'sql-lora=/adapters/sql' } });
    const s = stack;
    const k = await s.createKey();
    const models = (await (await fetch(`${s.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${k.key}` } })).json()) as { data: { id: string; parent: string | null }[] };
    expect(models.data.map((m) => [m.id, m.parent])).toEqual([['sim-model', null], ['sql-lora', 'sim-model']]);
    // One queue: the base model's, which the adapter's requests share.
    expect(s.app.dataPlane.queued()).toEqual([{ model: 'sim-model', waiting: 0, running: 0, capacity: 1 }]);
    const held = await open(s, k.key, 'base');
    const adapter = rawRequest(s.gatewayUrl, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${k.key}`, 'content-type': 'application/json', 'x-sim-hold': 'adapter' },
      body: JSON.stringify({ ...CHAT_BODY, model: 'sql-lora', stream: true }),
    });
    await until(() => waiting(s) === 1);
    expect(arrived(s)).toEqual(['base']);
    expect(s.app.dataPlane.queued()).toEqual([{ model: 'sim-model', waiting: 1, running: 1, capacity: 1 }]);
    s.sim.release('base');
    await readAll(held.res);
    await s.sim.waitForHold('adapter');
    s.sim.release('adapter');
    const text = (await readAll((await adapter).res)).toString();
    expect(text).toContain('"model":"sql-lora"');
    const rows = (await requestLogRows(s, k.id, 3)).filter((r) => r.endpoint === 'chat');
    expect(rows.map((r) => [r.model, r.status, r.queued_ms !== null && r.queued_ms > 0])).toEqual([
      ['sql-lora', 200, true],
      ['sim-model', 200, false],
    ]);
  });

  it('count_tokens and GET /v1/models do not wait for a slot', async () => {
    stack = await startStack({ env: { PROXY_REPLICA_SLOTS: '1' } });
    const s = stack;
    const k = await s.createKey();
    const held = await open(s, k.key, 'held');
    const models = await fetch(`${s.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${k.key}` } });
    expect(models.status).toBe(200);
    const counted = await fetch(`${s.gatewayUrl}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': k.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'sim-model', messages: MESSAGES_BODY.messages }),
    });
    expect(counted.status).toBe(200);
    s.sim.release('held');
    await readAll(held.res);
  });

  it('with two replicas, one session: each replica runs its slots, the session spills to the other and the third request waits', async () => {
    fleet = await startFleetStack({ replicas: [{ model: 'sim-model' }, { model: 'sim-model' }], env: { PROXY_REPLICA_SLOTS: '1' } });
    const f = fleet;
    const session = (tag: string) =>
      rawRequest(f.gatewayUrl, {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { authorization: `Bearer ${f.key}`, 'content-type': 'application/json', 'x-sim-hold': tag, 'x-claude-code-session-id': 'one-session' },
        body: STREAM,
      });
    const first = await session('s1');
    const second = await session('s2');
    // The affinity hold (4) would keep both on the session's replica; its one slot sends the second away.
    expect(f.served().sort()).toEqual([1, 1]);
    const third = session('s3');
    await until(() => f.stack.app.dataPlane.queued()[0]?.waiting === 1);
    expect(f.served().sort()).toEqual([1, 1]);
    f.sims.forEach((sim) => sim.release('s1'));
    await readAll(first.res);
    // The freed slot is on s1's replica: the waiting request goes there.
    const s1Replica = f.sims.findIndex((sim) => sim.requests.some((r) => r.headers['x-sim-hold'] === 's1'));
    await until(() => f.sims[s1Replica]!.requests.some((r) => r.headers['x-sim-hold'] === 's3'));
    for (const sim of f.sims) for (const tag of ['s2', 's3']) sim.release(tag);
    await Promise.all([readAll(second.res), third.then((r) => readAll(r.res))]);
    const text = await (await fetch(`${f.gatewayUrl}/metrics`)).text();
    expect(text).toMatch(/worv_proxy_replica_routed_total\{replica="[^"]+",route="spilled"\} 1\n/);
  });
});
