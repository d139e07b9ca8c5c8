import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { scrapeEngineMetrics } from '../../src/data-plane/upstream/engine-metrics.js';
import { chatPromptTokens } from '../../src/simulator/index.js';
import { Engine } from '../../src/simulator/engine.js';
import { resolveOptions } from '../../src/simulator/options.js';
import { openRequest, rawRequest, simulatorPerTest } from './raw-client.js';

const sims = simulatorPerTest();

const SYSTEM = 'You are a careful coding agent. '.repeat(40);
const chat = (question: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'sim-model', messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: question }], ...extra,
});

async function scrape(url: string): Promise<Awaited<ReturnType<typeof scrapeEngineMetrics>>> {
  const pool = new Pool(url);
  try {
    return await scrapeEngineMetrics(pool, { timeoutMs: 2000 });
  } finally {
    await pool.close();
  }
}

describe('prefix cache', () => {
  it('a second prompt over the same system prompt reports its cached tokens (chat, JSON and stream) and counts them in /metrics', async () => {
    const url = await sims.start({ promptTokensDetails: true, seed: 1 });
    const first = JSON.parse((await rawRequest(url, '/v1/chat/completions', { body: chat('one?') })).text) as { usage: Record<string, unknown> };
    expect(first.usage.prompt_tokens_details).toBeNull();
    const second = JSON.parse((await rawRequest(url, '/v1/chat/completions', { body: chat('two?') })).text) as { usage: Record<string, unknown> };
    // The system prompt is 1,280 characters: 20 full 64-character blocks of 16 tokens.
    expect(second.usage.prompt_tokens_details).toEqual({ cached_tokens: 320 });
    const s = await rawRequest(url, '/v1/chat/completions', { body: chat('three?', { stream: true, stream_options: { include_usage: true } }) });
    const usageLine = s.text.split('\n').find((l) => l.includes('"choices":[],"usage"'));
    expect(usageLine).toContain(`"usage":{"prompt_tokens":${chatPromptTokens(chat('three?'))},"total_tokens":`);
    expect(usageLine).toContain('"prompt_tokens_details":{"cached_tokens":320},"completion_tokens_details":{"reasoning_tokens":8}}');
    const m = await scrape(url);
    expect(m.prefixCacheQueries).toBe(['one?', 'two?', 'three?'].reduce((n, q) => n + chatPromptTokens(chat(q)), 0));
    expect(m.prefixCacheHits).toBe(640);
    expect(sims.current.prefixCache).toMatchObject({ hits: 640 });
  });

  it('without promptTokensDetails usage stays as before; Responses reports input_tokens_details.cached_tokens', async () => {
    const url = await sims.start({ seed: 1 });
    await rawRequest(url, '/v1/chat/completions', { body: chat('one?') });
    const again = JSON.parse((await rawRequest(url, '/v1/chat/completions', { body: chat('two?') })).text) as { usage: Record<string, unknown> };
    expect(again.usage.prompt_tokens_details).toBeNull();
    expect(sims.current.prefixCache.hits).toBe(320);
    const sims2 = await sims.start({ seed: 1, promptTokensDetails: true });
    const body = { model: 'sim-model', instructions: SYSTEM, input: 'hi' };
    await rawRequest(sims2, '/v1/responses', { body });
    const r = JSON.parse((await rawRequest(sims2, '/v1/responses', { body: { ...body, input: 'again' } })).text) as { usage: { input_tokens_details: unknown } };
    expect(r.usage.input_tokens_details).toEqual({ cached_tokens: 320 });
  });

  it('time to first token grows with the uncached prompt tokens (prefillMsPerKTokens)', async () => {
    const url = await sims.start({ prefillMsPerKTokens: 400 });
    const long = 'x'.repeat(4000 * 4);
    const t0 = performance.now();
    await rawRequest(url, '/v1/chat/completions', { body: chat(long) });
    const cold = performance.now() - t0;
    const t1 = performance.now();
    await rawRequest(url, '/v1/chat/completions', { body: chat(long) });
    const warm = performance.now() - t1;
    expect(cold).toBeGreaterThan(1500);
    expect(warm).toBeLessThan(300);
  });
});

describe('/metrics', () => {
  it('has vLLM\'s names: running, waiting (maxNumSeqs), KV-cache use, generation tokens', async () => {
    const url = await sims.start({ maxNumSeqs: 1, tokens: 4, reasoningTokens: 0 });
    const a = openRequest(url, '/v1/chat/completions', { body: chat('a', { stream: true }), headers: { 'x-sim-hold': 'a', 'x-sim-hold-after': '0' } });
    await sims.current.waitForHold('a');
    const b = openRequest(url, '/v1/chat/completions', { body: chat('b', { stream: true }) });
    await sims.current.waitForRequest((r) => r.id === 2);
    const busy = await scrape(url);
    expect(busy).toMatchObject({ running: 1, waiting: 1 });
    expect(busy.kvCacheUsage).toBeGreaterThan(0);
    const raw = (await rawRequest(url, '/metrics')).text;
    for (const name of ['vllm:num_requests_running', 'vllm:num_requests_waiting', 'vllm:kv_cache_usage_perc', 'vllm:prefix_cache_queries_total', 'vllm:prefix_cache_hits_total', 'vllm:generation_tokens_total']) {
      expect(raw).toContain(`${name}{engine="0",model_name="sim-model"} `);
    }
    sims.current.release('a');
    expect((await a.done).status).toBe(200);
    expect((await b.done).status).toBe(200);
    const idle = await scrape(url);
    expect(idle).toMatchObject({ running: 0, waiting: 0, kvCacheUsage: 0, generationTokens: 8 });
  });
});

describe('sequences', () => {
  it('a request for n choices runs n sequences: it fills a --max-num-seqs 4 engine with n = 3, and one for 2 waits', async () => {
    const url = await sims.start({ maxNumSeqs: 4, tokens: 2, reasoningTokens: 0 });
    const three = openRequest(url, '/v1/chat/completions', { body: chat('a', { stream: true, n: 3 }), headers: { 'x-sim-hold': 'a', 'x-sim-hold-after': '0' } });
    await sims.current.waitForHold('a');
    expect(await scrape(url)).toMatchObject({ running: 3, waiting: 0 });
    const two = openRequest(url, '/v1/chat/completions', { body: chat('b', { n: 2 }) });
    await sims.current.waitForRequest((r) => r.id === 2);
    expect(await scrape(url)).toMatchObject({ running: 3, waiting: 2 });
    sims.current.release('a');
    expect((await three.done).status).toBe(200);
    expect((await two.done).status).toBe(200);
    expect(await scrape(url)).toMatchObject({ running: 0, waiting: 0 });
  });
});

describe('the engine queue', () => {
  const engine = (policy: 'fcfs' | 'priority') => new Engine(resolveOptions({ maxNumSeqs: 4, schedulingPolicy: policy }));
  it('a waiting request that leaves lets the smaller ones behind it start', () => {
    const e = engine('fcfs');
    const started: number[] = [];
    e.admit(1, () => started.push(1), 0, 3);
    e.admit(2, () => started.push(2), 0, 4);
    e.admit(3, () => started.push(3), 0, 1);
    expect(started).toEqual([1]);
    e.end(2);
    expect(started).toEqual([1, 3]);
  });
  it('under the priority policy, a request ahead of the queue that fits starts at once', () => {
    const e = engine('priority');
    const started: number[] = [];
    e.admit(1, () => started.push(1), 0, 3);
    e.admit(2, () => started.push(2), 0, 4);
    e.admit(3, () => started.push(3), -1, 1);
    expect(started).toEqual([1, 3]);
  });
});

describe('hung mode', () => {
  it('accepts requests and never generates while /health, /v1/models and /metrics answer; lifting it resumes them', async () => {
    const url = await sims.start({ tokens: 3, reasoningTokens: 0 });
    sims.current.setHung(true);
    const s = openRequest(url, '/v1/chat/completions', { body: chat('s', { stream: true }) });
    const j = openRequest(url, '/v1/chat/completions', { body: chat('j') });
    await sims.current.waitForRequest((r) => r.id === 2);
    expect((await s.head).status).toBe(200);
    expect((await rawRequest(url, '/health')).status).toBe(200);
    expect((await rawRequest(url, '/v1/models')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    const m = await scrape(url);
    expect(m).toMatchObject({ running: 2, generationTokens: 0 });
    expect(Buffer.concat(s.chunks).length).toBe(0);
    sims.current.setHung(false);
    const [sd, jd] = await Promise.all([s.done, j.done]);
    expect(sd.text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(jd.status).toBe(200);
    expect((await scrape(url)).generationTokens).toBe(6);
  });

  it('a stream already running stops mid-way when the engine hangs', async () => {
    const url = await sims.start({ tokens: 5, reasoningTokens: 0 });
    const s = openRequest(url, '/v1/chat/completions', { body: chat('s', { stream: true }), headers: { 'x-sim-hold': 'h', 'x-sim-hold-after': '2' } });
    await sims.current.waitForHold('h');
    sims.current.setHung(true);
    sims.current.release('h');
    await new Promise((r) => setTimeout(r, 100));
    const before = (await scrape(url)).generationTokens;
    await new Promise((r) => setTimeout(r, 100));
    expect((await scrape(url)).generationTokens).toBe(before);
    expect(Buffer.concat(s.chunks).toString()).not.toContain('[DONE]');
    sims.current.setHung(false);
    expect((await s.done).text).toContain('[DONE]');
  });
});

describe('queue-full mode', () => {
  it.each([429, 503] as const)('answers %i at once on generating routes, in the route\'s dialect; other routes still answer', async (status) => {
    const url = await sims.start({ queueFull: status });
    const r = await rawRequest(url, '/v1/chat/completions', { body: chat('x', { stream: true }) });
    expect(r.status).toBe(status);
    expect(JSON.parse(r.text)).toMatchObject({ error: { code: status, message: 'The engine is at capacity; please retry later.' } });
    const m = await rawRequest(url, '/v1/messages', { body: { model: 'sim-model', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] } });
    expect(m.status).toBe(status);
    expect(JSON.parse(m.text)).toMatchObject({ type: 'error' });
    expect((await rawRequest(url, '/v1/models')).status).toBe(200);
    sims.current.setQueueFull(false);
    expect((await rawRequest(url, '/v1/chat/completions', { body: chat('x') })).status).toBe(200);
  });
});

describe('scheduling policy (vLLM --scheduling-policy)', () => {
  it('fcfs (default): a priority other than 0 is refused 400 as vLLM does; 0 and none are served', async () => {
    const url = await sims.start({ tokens: 2, reasoningTokens: 0 });
    const refused = await rawRequest(url, '/v1/chat/completions', { body: chat('p', { priority: 5 }) });
    expect(refused.status).toBe(400);
    expect((JSON.parse(refused.text) as { error: { message: string } }).error.message).toBe('Got priority 5 but Priority scheduling is not enabled.');
    expect((await rawRequest(url, '/v1/chat/completions', { body: chat('z', { priority: 0 }) })).status).toBe(200);
    // vLLM's Anthropic front end has no priority.
    expect((await rawRequest(url, '/v1/messages', { body: { model: 'sim-model', max_tokens: 4, messages: [{ role: 'user', content: 'm' }], priority: 5 } })).status).toBe(200);
  });

  it('priority: a waiting request with a lower value runs before one that came earlier', async () => {
    const url = await sims.start({ maxNumSeqs: 1, tokens: 2, reasoningTokens: 0, schedulingPolicy: 'priority' });
    const started: string[] = [];
    const a = openRequest(url, '/v1/chat/completions', { body: chat('a', { stream: true }), headers: { 'x-sim-hold': 'a', 'x-sim-hold-after': '0' } });
    await sims.current.waitForHold('a');
    const low = openRequest(url, '/v1/chat/completions', { body: chat('low', { priority: 10 }) });
    await sims.current.waitForRequest((r) => r.id === 2);
    const high = openRequest(url, '/v1/chat/completions', { body: chat('high', { priority: -5 }) });
    await sims.current.waitForRequest((r) => r.id === 3);
    void low.done.then(() => started.push('low'));
    void high.done.then(() => started.push('high'));
    sims.current.release('a');
    await Promise.all([a.done, low.done, high.done]);
    expect(started).toEqual(['high', 'low']);
  });
});
