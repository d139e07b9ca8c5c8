import { describe, expect, it } from 'vitest';
import { chatPromptTokens, countTokens, messagesPromptTokens } from '../../src/simulator/index.js';
import type { SimulatorOptions } from '../../src/simulator/index.js';
import { rawRequest, sseJson, simulatorPerTest } from './raw-client.js';

const sims = simulatorPerTest();
const start = (options?: SimulatorOptions): Promise<string> => sims.start(options);

const chat = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'sim-model', messages: [{ role: 'user', content: 'Hello there' }], ...extra,
});

describe('info routes', () => {
  it('/health is 200 with an empty body; /version; /metrics', async () => {
    const url = await start({ era: 'dual' });
    const h = await rawRequest(url, '/health');
    expect(h.status).toBe(200);
    expect(h.text).toBe('');
    expect(h.headers['content-type']).toBeUndefined();
    expect(h.headers.server).toBe('vllm-simulator');
    expect((await rawRequest(url, '/version')).text).toBe('{"version":"0.15.1"}');
    const m = await rawRequest(url, '/metrics');
    expect(m.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(m.text).toContain('vllm:num_requests_running{engine="0",model_name="sim-model"} 0.0\n');
  });

  it('/v1/models has vLLM’s card shape, labelled as a simulator', async () => {
    const url = await start({ model: 'Org/Model-1', seed: 1, maxModelLen: 4096 });
    const r = await rawRequest(url, '/v1/models');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    const body = JSON.parse(r.text) as { object: string; data: Record<string, unknown>[] };
    expect(body.object).toBe('list');
    expect(body.data).toHaveLength(1);
    expect(Object.keys(body.data[0] ?? {})).toEqual(['id', 'object', 'created', 'owned_by', 'root', 'parent', 'max_model_len', 'permission']);
    expect(body.data[0]).toMatchObject({ id: 'Org/Model-1', object: 'model', created: 1_750_000_000, owned_by: 'vllm-simulator', root: 'vllm-simulator/Org/Model-1', parent: null, max_model_len: 4096 });
  });

  it('/tokenize answers both forms with the simulator’s count', async () => {
    const url = await start();
    const p = await rawRequest(url, '/tokenize', { body: { prompt: 'hello world' } });
    expect(JSON.parse(p.text)).toMatchObject({ count: countTokens('hello world'), max_model_len: 32768, token_strs: null });
    const body = chat();
    const c = JSON.parse((await rawRequest(url, '/tokenize', { body: { messages: body.messages, return_token_strs: true } })).text) as { count: number; tokens: number[]; token_strs: string[] };
    expect(c.count).toBe(chatPromptTokens(body));
    expect(c.tokens).toHaveLength(c.count);
    expect(c.token_strs).toHaveLength(c.count);
  });

  it('/v1/messages/count_tokens', async () => {
    const url = await start();
    const body = { model: 'sim-model', system: 'be brief', messages: [{ role: 'user', content: 'hi' }] };
    const r = await rawRequest(url, '/v1/messages/count_tokens', { body });
    const n = messagesPromptTokens(body);
    expect(r.text).toBe(`{"input_tokens":${n},"context_management":{"original_input_tokens":${n}}}`);
  });
});

describe('errors as vLLM', () => {
  it('wrong model (case-sensitive) → 404 NotFoundError; Anthropic envelope on /v1/messages', async () => {
    const url = await start({ model: 'Sim-Model' });
    const r = await rawRequest(url, '/v1/chat/completions', { body: chat({ model: 'sim-model' }) });
    expect(r.status).toBe(404);
    expect(r.text).toBe('{"error":{"message":"The model `sim-model` does not exist.","type":"NotFoundError","param":"model","code":404}}');
    const m = await rawRequest(url, '/v1/messages', { body: { model: 'x', max_tokens: 5, messages: [] } });
    expect(m.status).toBe(404);
    expect(m.text).toBe('{"type":"error","error":{"type":"NotFoundError","message":"The model `x` does not exist."}}');
  });

  it('stream_options without stream → 400; an empty stream_options is accepted', async () => {
    const url = await start();
    const r = await rawRequest(url, '/v1/chat/completions', { body: chat({ stream_options: { include_usage: true } }) });
    expect(r.status).toBe(400);
    expect(r.text).toBe('{"error":{"message":"Stream options can only be defined when `stream=True`.","type":"BadRequestError","param":"stream_options","code":400}}');
    expect((await rawRequest(url, '/v1/chat/completions', { body: chat({ stream_options: {} }) })).status).toBe(200);
  });

  it('non-JSON content type, bad JSON, unknown route, wrong method, bad x-sim header', async () => {
    const url = await start();
    const ct = await rawRequest(url, '/v1/chat/completions', { body: JSON.stringify(chat()), headers: { 'content-type': 'text/plain' } });
    expect(ct.status).toBe(400);
    expect(ct.text).toContain("Unsupported Media Type: Only 'application/json' is allowed");
    expect((await rawRequest(url, '/v1/chat/completions', { body: '{nope' })).status).toBe(400);
    const nf = await rawRequest(url, '/v1/nothing');
    expect([nf.status, nf.text]).toEqual([404, '{"detail":"Not Found"}']);
    expect((await rawRequest(url, '/v1/models', { method: 'POST', body: {} })).status).toBe(405);
    const bad = await rawRequest(url, '/v1/chat/completions', { body: chat(), headers: { 'x-sim-tokens': 'many' } });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ error: { type: 'BadRequestError', code: 400 } });
    expect(bad.text).toContain('x-sim-tokens');
  });

  it('context length: prompt + max_tokens over max_model_len → 400 naming input_tokens', async () => {
    const url = await start({ maxModelLen: 100 });
    const body = chat({ max_tokens: 99 });
    const r = await rawRequest(url, '/v1/chat/completions', { body });
    expect(r.status).toBe(400);
    const p = chatPromptTokens(body);
    expect(JSON.parse(r.text)).toEqual({ error: {
      message: `This model's maximum context length is 100 tokens. However, you requested 99 output tokens and your prompt contains at least ${p} input tokens, for a total of at least ${p + 99} tokens. Please reduce the length of the input prompt or the number of requested output tokens. (parameter=input_tokens, value=${p})`,
      type: 'BadRequestError', param: 'input_tokens', code: 400,
    } });
  });
});

describe('--api-key', () => {
  it('guards /v1 with Bearer only; health, tokenize, metrics stay open', async () => {
    const url = await start({ apiKey: 'sekret' });
    const none = await rawRequest(url, '/v1/models');
    expect([none.status, none.text]).toEqual([401, '{"error":"Unauthorized"}']);
    expect((await rawRequest(url, '/v1/models', { headers: { authorization: 'Bearer sekret' } })).status).toBe(200);
    expect((await rawRequest(url, '/v1/models', { headers: { authorization: 'bearer sekret' } })).status).toBe(200);
    expect((await rawRequest(url, '/v1/models', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await rawRequest(url, '/v1/messages', { headers: { 'x-api-key': 'sekret' }, body: {} })).status).toBe(401);
    expect((await rawRequest(url, '/health')).status).toBe(200);
    expect((await rawRequest(url, '/metrics')).status).toBe(200);
    expect((await rawRequest(url, '/tokenize', { body: { prompt: 'x' } })).status).toBe(200);
  });
});

describe('generation', () => {
  it('usage counts the simulator’s prompt tokens and one token per piece', async () => {
    const url = await start();
    const body = chat();
    const r = JSON.parse((await rawRequest(url, '/v1/chat/completions', { body, headers: { 'x-sim-tokens': '5', 'x-sim-reasoning-tokens': '2' } })).text) as { usage: unknown };
    const p = chatPromptTokens(body);
    expect(r.usage).toEqual({ prompt_tokens: p, total_tokens: p + 7, completion_tokens: 7, prompt_tokens_details: null });
  });

  it('thinking toggles: chat_template_kwargs false turns reasoning off; true turns it on when off by default', async () => {
    const url = await start();
    const off = JSON.parse((await rawRequest(url, '/v1/chat/completions', { body: chat({ chat_template_kwargs: { enable_thinking: false } }) })).text) as { choices: { message: { reasoning: unknown } }[] };
    expect(off.choices[0]?.message.reasoning).toBeNull();
    const off2 = JSON.parse((await rawRequest(url, '/v1/chat/completions', { body: chat({ chat_template_kwargs: { thinking: false } }) })).text) as typeof off;
    expect(off2.choices[0]?.message.reasoning).toBeNull();
    const on = JSON.parse((await rawRequest(url, '/v1/chat/completions', { body: chat() })).text) as typeof off;
    expect(typeof on.choices[0]?.message.reasoning).toBe('string');
    await sims.current.close();
    const url2 = await start({ reasoning: false });
    const def = JSON.parse((await rawRequest(url2, '/v1/chat/completions', { body: chat() })).text) as typeof off;
    expect(def.choices[0]?.message.reasoning).toBeNull();
    const asked = JSON.parse((await rawRequest(url2, '/v1/chat/completions', { body: chat({ chat_template_kwargs: { thinking: true } }) })).text) as typeof off;
    expect(typeof asked.choices[0]?.message.reasoning).toBe('string');
  });

  it('a seed makes the bytes identical, ids included; another body gets another id', async () => {
    const url = await start();
    const h = { 'x-sim-seed': '11' };
    const a = await rawRequest(url, '/v1/chat/completions', { body: chat({ stream: true }), headers: h });
    const b = await rawRequest(url, '/v1/chat/completions', { body: chat({ stream: true }), headers: h });
    expect(b.text).toBe(a.text);
    const c = await rawRequest(url, '/v1/chat/completions', { body: chat({ stream: true, max_tokens: 500 }), headers: h });
    expect(sseJson(c.text)[0]?.id).not.toBe(sseJson(a.text)[0]?.id);
    expect(sseJson(a.text)[0]?.created).toBe(1_750_000_000);
    const d = await rawRequest(url, '/v1/chat/completions', { body: chat({ seed: 11 }) });
    const e = await rawRequest(url, '/v1/chat/completions', { body: chat({ seed: 11 }) });
    expect(d.text).toBe(e.text);
  });

  it('x-sim-han: 1 mixes Han words and CJK punctuation into English text', async () => {
    const url = await start();
    const r = JSON.parse((await rawRequest(url, '/v1/chat/completions', { body: chat(), headers: { 'x-sim-han': '1', 'x-sim-tokens': '60', 'x-sim-reasoning': 'off' } })).text) as { choices: { message: { content: string } }[] };
    const text = r.choices[0]?.message.content ?? '';
    expect(text).toMatch(/\p{Script=Han}/u);
    expect(text).toMatch(/[，。、！？]/);
    expect(text).toMatch(/[a-z]{3}/);
  });

  it('X-Request-Id becomes the base of the id', async () => {
    const url = await start();
    const r = JSON.parse((await rawRequest(url, '/v1/chat/completions', { body: chat(), headers: { 'x-request-id': 'abc-1' } })).text) as { id: string };
    expect(r.id).toBe('chatcmpl-abc-1');
  });

  it('completions default to 16 tokens max (vLLM), finish length beyond', async () => {
    const url = await start();
    const r = JSON.parse((await rawRequest(url, '/v1/completions', { body: { prompt: 'x' }, headers: { 'x-sim-tokens': '20' } })).text) as { choices: { finish_reason: string }[]; usage: { completion_tokens: number } };
    expect(r.choices[0]?.finish_reason).toBe('length');
    expect(r.usage.completion_tokens).toBe(16);
  });

  it('embeddings as floats and base64', async () => {
    const url = await start({ embeddingDim: 4 });
    const f = JSON.parse((await rawRequest(url, '/v1/embeddings', { body: { input: ['a', 'b'] } })).text) as { data: { embedding: number[] }[]; usage: unknown };
    expect(f.data.map((d) => d.embedding.length)).toEqual([4, 4]);
    expect(f.usage).toEqual({ prompt_tokens: 8, total_tokens: 8, completion_tokens: 0 });
    const b = JSON.parse((await rawRequest(url, '/v1/embeddings', { body: { input: 'a', encoding_format: 'base64' } })).text) as { data: { embedding: string }[] };
    const floats = new Float32Array(Uint8Array.from(Buffer.from(b.data[0]?.embedding ?? '', 'base64')).buffer);
    expect(floats).toHaveLength(4);
    expect(floats[0]).toBeCloseTo(f.data[0]?.embedding[0] ?? NaN, 5);
  });
});

describe('request log', () => {
  it('records method, url, headers, raw and parsed body, status, sent bytes and outcome', async () => {
    const url = await start();
    const body = chat({ stream: true });
    const r = await rawRequest(url, '/v1/chat/completions?x=1', { body, headers: { 'x-test': 'yes' } });
    const rec = sims.current.lastRequest();
    expect(rec).toBeDefined();
    expect(rec?.id).toBe(Number(r.headers['x-sim-request-id']));
    expect(rec?.method).toBe('POST');
    expect(rec?.url).toBe('/v1/chat/completions?x=1');
    expect(rec?.path).toBe('/v1/chat/completions');
    expect(rec?.headers['x-test']).toBe('yes');
    expect(rec?.rawBody.toString()).toBe(JSON.stringify(body));
    expect(rec?.body).toEqual(body);
    expect(await rec?.closed).toBe('finished');
    expect(rec?.status).toBe(200);
    expect(rec?.sentBytes().equals(r.body)).toBe(true);
    expect(sims.current.requests).toHaveLength(1);
  });

  it('nextRequest and waitForRequest', async () => {
    const url = await start();
    const next = sims.current.nextRequest();
    await rawRequest(url, '/health');
    expect((await next)?.path).toBe('/health');
    expect((await sims.current.waitForRequest((r) => r.path === '/health'))?.id).toBe(1);
    const later = sims.current.waitForRequest((r) => r.path === '/version');
    await rawRequest(url, '/version');
    expect((await later)?.id).toBe(2);
    await expect(sims.current.nextRequest({ timeoutMs: 10 })).rejects.toThrow(/timed out/);
  });

  it('is bounded and can be turned off', async () => {
    const url = await start({ recordLimit: 2 });
    for (let i = 0; i < 3; i++) await rawRequest(url, '/health');
    expect(sims.current.requests.map((r) => r.id)).toEqual([2, 3]);
    await sims.current.close();
    const url2 = await start({ record: false });
    await rawRequest(url2, '/health');
    expect(sims.current.requests).toHaveLength(0);
    await expect(sims.current.nextRequest()).rejects.toThrow(/record/);
  });
});
