import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Upstream } from './client.js';
import { createFleetState } from './fleet-state.js';
import type { Replica } from './replicas.js';

/** One replica whose /metrics says `running` requests and `generated` tokens; answers after `latencyMs`. */
function stubUpstream(): { upstream: Upstream; engine: { running: number; generated: number; kv: number; latencyMs: number }; rescued: string[] } {
  const engine = { running: 1, generated: 10, kv: 0.1, latencyMs: 0 };
  /** The replicas whose waiting requests were sent elsewhere, and why. */
  const rescued: string[] = [];
  const replica = { origin: 'http://r1', outstanding: 0, failures: 0, coolUntil: 0, answerCoolUntil: 0 } as unknown as Replica;
  const upstream = {
    replicas: [replica],
    fetch: async (call: { path: string }) => {
      const text = call.path === '/metrics'
        ? `vllm:num_requests_running ${engine.running}\nvllm:generation_tokens_total ${engine.generated}\nvllm:kv_cache_usage_perc ${engine.kv}\n`
        : '{"object":"list","data":[{"id":"m","object":"model"}]}';
      const latency = engine.latencyMs;
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));
      return { status: 200, headers: {}, body: Buffer.from(text) };
    },
    rescue: (r: Replica, why: string) => rescued.push(`${r.origin} ${why}`),
  } as unknown as Upstream;
  return { upstream, engine, rescued };
}

describe('fleet state: hung engines', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ejects hungMs after the last progress a probe saw, between probes, and takes the engine back when it moves', async () => {
    const { upstream, engine, rescued } = stubUpstream();
    // 4.5 s: not a whole number of probe intervals, so the moment falls between two probes.
    const state = createFleetState({ upstream, headers: [], timeoutMs: 1000, healthIntervalMs: 1000, modelsIntervalMs: 60_000, hungMs: 4500, now: () => Date.now() });
    const s = state.states()[0]!;
    await vi.advanceTimersByTimeAsync(0);
    const start = Date.now();
    // The probe that sees the last progress is slow to answer (a busy machine): the moment
    // counts from when it was sent.
    engine.latencyMs = 300;
    engine.generated = 11;
    await vi.advanceTimersByTimeAsync(1000 + 300);
    engine.latencyMs = 0;
    expect(s.progressAt - start).toBe(1000);
    await vi.advanceTimersByTimeAsync(4199);
    expect(s.hung).toBe(false);
    expect(rescued).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    // Ejected 4.5 s after that probe, not at the next probe (6 s after start); the requests
    // waiting there for a first byte are sent elsewhere then, once.
    expect(s.hung).toBe(true);
    expect(Date.now() - start).toBe(5500);
    expect(rescued).toEqual(['http://r1 hung']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(rescued).toEqual(['http://r1 hung']);
    engine.generated = 12;
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.hung).toBe(false);
    state.close();
  });

  it('a long prefill (no token yet, KV-cache use growing chunk by chunk) is progress; a KV-cache use that stands still with the counter is not', async () => {
    const { upstream, engine } = stubUpstream();
    const state = createFleetState({ upstream, headers: [], timeoutMs: 1000, healthIntervalMs: 1000, modelsIntervalMs: 60_000, hungMs: 3000, now: () => Date.now() });
    const s = state.states()[0]!;
    for (let i = 0; i < 10; i++) {
      engine.kv += 0.01;
      await vi.advanceTimersByTimeAsync(1000);
      expect(s.hung).toBe(false);
    }
    // The prefill's chunks stop: hung once the deadline passes.
    await vi.advanceTimersByTimeAsync(4000);
    expect(s.hung).toBe(true);
    state.close();
  });

  it('a probe that sees progress before the deadline cancels the ejection', async () => {
    const { upstream, engine } = stubUpstream();
    const state = createFleetState({ upstream, headers: [], timeoutMs: 1000, healthIntervalMs: 1000, modelsIntervalMs: 60_000, hungMs: 3000, now: () => Date.now() });
    const s = state.states()[0]!;
    // The stall since 0 would eject at 3000; progress seen by the probe at 2000 moves that to 5000.
    await vi.advanceTimersByTimeAsync(1500);
    engine.generated = 20;
    await vi.advanceTimersByTimeAsync(3400);
    expect(s.hung).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(s.hung).toBe(true);
    // Nothing running: never hung, however long the counter stands still.
    engine.running = 0;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.hung).toBe(false);
    state.close();
  });

  it('a hung engine whose requests all left, with no token generated, is on probation until it generates again', async () => {
    const { upstream, engine } = stubUpstream();
    const state = createFleetState({ upstream, headers: [], timeoutMs: 1000, healthIntervalMs: 1000, modelsIntervalMs: 60_000, hungMs: 2000, now: () => Date.now() });
    const s = state.states()[0]!;
    await vi.advanceTimersByTimeAsync(2500);
    expect([s.hung, s.probation]).toEqual([true, false]);
    // Its clients gave up: nothing runs, the counter has not moved.
    engine.running = 0;
    await vi.advanceTimersByTimeAsync(1000);
    expect([s.hung, s.probation]).toEqual([false, true]);
    await vi.advanceTimersByTimeAsync(5000);
    expect([s.hung, s.probation]).toEqual([false, true]);
    // The one request it is given stalls too: hung again, then on probation again.
    engine.running = 1;
    await vi.advanceTimersByTimeAsync(3000);
    expect(s.hung).toBe(true);
    engine.running = 0;
    await vi.advanceTimersByTimeAsync(1000);
    expect([s.hung, s.probation]).toEqual([false, true]);
    // A token generated: trusted again.
    engine.running = 1;
    engine.generated = 11;
    await vi.advanceTimersByTimeAsync(1000);
    expect([s.hung, s.probation]).toEqual([false, false]);
    // Idle without a hang before: no probation.
    engine.running = 0;
    await vi.advanceTimersByTimeAsync(5000);
    expect([s.hung, s.probation]).toEqual([false, false]);
    state.close();
  });

  it('keeps probing after a probe that threw, and says so on the replica', async () => {
    const { upstream, engine } = stubUpstream();
    const fetch = upstream.fetch.bind(upstream);
    let calls = 0;
    // The second /metrics call throws before returning a promise (a fault nobody foresaw).
    (upstream as { fetch: unknown }).fetch = (call: { path: string }, ms: number) => {
      if (call.path === '/metrics' && ++calls === 2) throw new Error('bad replica state');
      return fetch(call as never, ms);
    };
    let rounds = 0;
    const state = createFleetState({ upstream, headers: [], timeoutMs: 1000, healthIntervalMs: 1000, modelsIntervalMs: 60_000, hungMs: 30_000, now: () => Date.now(), onRound: () => rounds++ });
    const s = state.states()[0]!;
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.problem).toBe('probe failed: bad replica state');
    engine.generated = 99;
    await vi.advanceTimersByTimeAsync(1000);
    expect(rounds).toBe(3);
    expect(s.problem).toBeUndefined();
    expect(s.metrics?.generationTokens).toBe(99);
    state.close();
  });
});

describe('fleet state: silent replicas', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** /metrics and /v1/models each answer, or fail with no answer (a timeout). */
  function probed(answers: { metrics: boolean; models: boolean }): Upstream {
    const replica = { origin: 'http://r1', outstanding: 0, failures: 0, coolUntil: 0, answerCoolUntil: 0 } as unknown as Replica;
    return {
      replicas: [replica],
      fetch: async (call: { path: string }) => {
        const ok = call.path === '/metrics' ? answers.metrics : answers.models;
        if (!ok) throw Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
        const text = call.path === '/metrics' ? 'vllm:num_requests_running 0\n' : '{"object":"list","data":[{"id":"m","object":"model"}]}';
        return { status: 200, headers: {}, body: Buffer.from(text) };
      },
      rescue: (r: Replica, why: string) => rescued.push(`${r.origin} ${why}`),
    } as unknown as Upstream;
  }
  /** Replicas whose waiting requests were sent elsewhere (once per fall into silence). */
  const rescued: string[] = [];

  it('silent only when neither /metrics nor the listing asked right after answers; back with the next answer', async () => {
    const answers = { metrics: true, models: true };
    const state = createFleetState({ upstream: probed(answers), headers: [], timeoutMs: 1000, healthIntervalMs: 1000, modelsIntervalMs: 60_000, hungMs: 30_000, now: () => Date.now() });
    const s = state.states()[0]!;
    await vi.advanceTimersByTimeAsync(0);
    expect(s.silent).toBe(false);
    // A proxy that drops /metrics alone: the listing answers, so the replica stays in use.
    answers.metrics = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect([s.silent, s.problem]).toEqual([false, 'GET /metrics: timed out']);
    answers.models = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect([s.silent, s.problem]).toEqual([true, 'GET /metrics: timed out; GET /v1/models: timed out']);
    // The requests waiting on it are sent elsewhere when it falls silent, not at every silent probe.
    expect(rescued).toEqual(['http://r1 silent']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(rescued).toEqual(['http://r1 silent']);
    answers.metrics = true;
    answers.models = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect([s.silent, s.problem]).toEqual([false, undefined]);
    state.close();
  });
});

describe('fleet state: mixed()', () => {
  /** Replicas listing these model ids. */
  async function fleetOf(listings: readonly (readonly string[])[]) {
    const replicas = listings.map((_, i) => ({ origin: `http://r${i}`, outstanding: 0, failures: 0, coolUntil: 0, answerCoolUntil: 0 }) as unknown as Replica);
    const upstream = {
      replicas,
      fetch: async (call: { path: string; replica?: Replica }) => {
        const i = replicas.indexOf(call.replica!);
        const text = call.path === '/metrics' ? '' : JSON.stringify({ object: 'list', data: listings[i]!.map((id) => ({ id, object: 'model' })) });
        return { status: 200, headers: {}, body: Buffer.from(text) };
      },
    } as unknown as Upstream;
    const state = createFleetState({ upstream, headers: [], timeoutMs: 1000, healthIntervalMs: 60_000, modelsIntervalMs: 60_000, hungMs: 30_000, now: () => Date.now() });
    await state.ready;
    return state;
  }
  const rows: ReadonlyArray<[string, readonly (readonly string[])[], boolean]> = [
    ['one replica, one model', [['GLM-5.1']], false],
    ['one vLLM with a base model and two LoRA adapters', [['base', 'lora-a', 'lora-b']], false],
    ['three replicas of the same base and adapters', [['base', 'lora-a'], ['base', 'lora-a'], ['lora-a', 'base']], false],
    ['two models on different replicas', [['GLM-5.1'], ['GLM-5.1'], ['Kimi-K2.6']], true],
    ['an adapter on one replica only', [['base', 'lora-a'], ['base']], true],
  ];
  for (const [what, listings, mixed] of rows) {
    it(`${what} → ${String(mixed)}`, async () => {
      const state = await fleetOf(listings);
      expect(state.mixed()).toBe(mixed);
      expect(state.mixed()).toBe(mixed); // the memo answers the same
      state.close();
    });
  }
});

describe('fleet state: which replicas serve a model', () => {
  it('follows a re-listing and a change of replicas: servers, cards and card are never those of an older listing', async () => {
    const listings: Record<string, string[]> = { 'http://r0': ['GLM-5.1'], 'http://r1': ['GLM-5.1', 'Kimi-K2.6'] };
    const replica = (origin: string): Replica => ({ origin, outstanding: 0, failures: 0, coolUntil: 0, answerCoolUntil: 0 }) as unknown as Replica;
    const r0 = replica('http://r0');
    const r1 = replica('http://r1');
    const upstream = {
      replicas: [r0, r1] as readonly Replica[],
      fetch: async (call: { path: string; replica?: Replica }) => {
        const text = call.path === '/metrics' ? '' : JSON.stringify({ object: 'list', data: listings[call.replica!.origin]!.map((id) => ({ id, object: 'model', max_model_len: id.length })) });
        return { status: 200, headers: {}, body: Buffer.from(text) };
      },
    } as unknown as { replicas: readonly Replica[] } & Upstream;
    // modelsIntervalMs 0: every refresh lists again.
    const state = createFleetState({ upstream, headers: [], timeoutMs: 1000, healthIntervalMs: 60_000, modelsIntervalMs: 0, hungMs: 30_000, now: () => Date.now() });
    await state.ready;
    expect(state.servers('GLM-5.1')).toEqual([r0, r1]);
    expect(state.servers('Kimi-K2.6')).toEqual([r1]);
    expect(state.servers('nobody')).toEqual([]);
    expect(state.cards().map((c) => c.id)).toEqual(['GLM-5.1', 'Kimi-K2.6']);
    expect(state.card('Kimi-K2.6')?.maxModelLen).toBe('Kimi-K2.6'.length);

    // r1 now serves only Kimi: the next listing moves GLM to r0 alone.
    listings['http://r1'] = ['Kimi-K2.6'];
    await state.refresh();
    expect(state.servers('GLM-5.1')).toEqual([r0]);
    expect(state.servers('Kimi-K2.6')).toEqual([r1]);

    // A replica replaced (a backend removed and added again is a new object): the new one, once listed.
    const r1b = replica('http://r1');
    upstream.replicas = [r0, r1b];
    expect(state.servers('Kimi-K2.6')).toEqual([]);
    await state.refresh();
    expect(state.servers('Kimi-K2.6')).toEqual([r1b]);
    expect(state.mixed()).toBe(true);
    state.close();
  });
});
