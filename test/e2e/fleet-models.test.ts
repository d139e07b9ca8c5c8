// Several backends serving different models: the gateway learns each one's models from its
// GET /v1/models, routes every request by its model (after alias rewriting), answers 404 for a
// model no backend serves in the route's dialect, lists the union with the non-thinking rows,
// and takes per-model settings from max_model_len and PROXY_MODELS_FILE.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { startFleetStack, type FleetStack } from '../helpers/fleet-stack.js';
import { postJson, until } from './support.js';

const USER = { role: 'user', content: 'Three primes greater than 100.' };

/** The last request replica `i` got that was not a health probe. */
function lastPost(f: FleetStack, i: number) {
  return f.sims[i]?.requests.filter((r) => r.method === 'POST').at(-1);
}

describe('models learned from the backends', () => {
  let f: FleetStack | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('three replicas of GLM-5.1 and one of Kimi-K2.6: /v1/models is the union with non-thinking rows; each model goes to its replicas', async () => {
    f = await startFleetStack({
      replicas: [{ model: 'GLM-5.1', seed: 1 }, { model: 'GLM-5.1', seed: 1 }, { model: 'GLM-5.1', seed: 1 }, { model: 'Kimi-K2.6', seed: 1, maxModelLen: 8192 }],
    });
    const res = await fetch(`${f.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${f.key}` } });
    expect(res.status).toBe(200);
    const list = (await res.json()) as { object: string; data: { id: string; max_model_len: number }[] };
    expect(list.object).toBe('list');
    expect(list.data.map((c) => c.id)).toEqual(['GLM-5.1', 'GLM-5.1-nonthinking', 'Kimi-K2.6', 'Kimi-K2.6-nonthinking']);
    expect(list.data[2]?.max_model_len).toBe(8192);
    for (let i = 0; i < 6; i++) {
      const k = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, { model: 'Kimi-K2.6', messages: [USER] });
      expect(k.status).toBe(200);
      await k.arrayBuffer();
      const g = await postJson(f.gatewayUrl, '/v1/messages', f.key, { model: 'GLM-5.1', max_tokens: 50, messages: [USER] });
      expect(g.status).toBe(200);
      await g.arrayBuffer();
    }
    const served = f.served();
    expect(served[3]).toBe(6);
    expect((served[0] ?? 0) + (served[1] ?? 0) + (served[2] ?? 0)).toBe(6);
  });

  it('a client that sends anthropic-version gets Anthropic\'s Models API: pages of model objects, one model, and its 404', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'Kimi-K2.6' }] });
    const anthropic = new Anthropic({ baseURL: f.gatewayUrl, apiKey: f.key, maxRetries: 0 });
    const ids: string[] = [];
    for await (const m of anthropic.models.list({ limit: 3 })) ids.push(m.id);
    expect(ids).toEqual(['GLM-5.1', 'GLM-5.1-nonthinking', 'Kimi-K2.6', 'Kimi-K2.6-nonthinking']);
    const raw = async (path: string) => {
      const r = await fetch(`${f!.gatewayUrl}${path}`, { headers: { 'x-api-key': f!.key, 'anthropic-version': '2023-06-01' } });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const page = await raw('/v1/models?limit=2');
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ has_more: true, first_id: 'GLM-5.1', last_id: 'GLM-5.1-nonthinking' });
    expect((page.body.data as unknown[])[0]).toEqual({ type: 'model', id: 'GLM-5.1', display_name: 'GLM-5.1', created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) as unknown });
    expect((await raw('/v1/models?before_id=Kimi-K2.6&limit=1')).body).toMatchObject({ has_more: true, first_id: 'GLM-5.1-nonthinking', last_id: 'GLM-5.1-nonthinking' });
    expect((await raw('/v1/models?after_id=Kimi-K2.6')).body).toMatchObject({ has_more: false, first_id: 'Kimi-K2.6-nonthinking' });
    expect(await raw('/v1/models?limit=0')).toEqual({ status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'limit must be an integer from 1 to 1000' } } });
    // A malformed escape is refused before the path is read, in the same envelope.
    expect(await raw('/v1/models/%ZZ')).toEqual({ status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'Invalid path' } } });
    const one = await anthropic.models.retrieve('Kimi-K2.6');
    expect([one.type, one.id, one.display_name]).toEqual(['model', 'Kimi-K2.6', 'Kimi-K2.6']);
    const missing = await anthropic.models.retrieve('llama-3-70b').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect((missing as InstanceType<typeof Anthropic.NotFoundError>).error).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'The model `llama-3-70b` does not exist.' } });
    // Without anthropic-version: OpenAI's list, as before.
    const openai = (await (await fetch(`${f.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${f.key}` } })).json()) as { object: string };
    expect(openai.object).toBe('list');
  });

  it('GET /v1/models/{id} answers the card of the model the name\'s requests go to: under rewrite-all a listed other model is served as the alias', async () => {
    for (const rewriteAll of [false, true]) {
      f = await startFleetStack({
        replicas: [{ model: 'DeepSeek-V4-Pro' }, { model: 'Kimi-K2.6' }],
        env: { PROXY_ALIAS_MODEL: 'DeepSeek-V4-Pro', ...(rewriteAll ? { PROXY_ALIAS_REWRITE_ALL: 'on' } : {}) },
      });
      const card = await fetch(`${f.gatewayUrl}/v1/models/Kimi-K2.6`, { headers: { authorization: `Bearer ${f.key}` } });
      const goesTo = rewriteAll ? 'DeepSeek-V4-Pro' : 'Kimi-K2.6';
      expect([card.status, ((await card.json()) as { id: string }).id]).toEqual([200, goesTo]);
      const chat = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, { model: 'Kimi-K2.6', messages: [USER] });
      expect(((await chat.json()) as { model: string }).model).toBe(goesTo);
      await f.close();
      f = undefined;
    }
  });

  it('a model no backend serves: 404 "The model `X` does not exist." in the route\'s dialect, nothing sent upstream', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'Kimi-K2.6' }] });
    const chat = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, { model: 'llama-3-70b', messages: [USER] });
    expect(chat.status).toBe(404);
    expect(await chat.json()).toEqual({ error: { message: 'The model `llama-3-70b` does not exist.', type: 'not_found_error', code: 404 } });
    const msg = await postJson(f.gatewayUrl, '/v1/messages', f.key, { model: 'llama-3-70b', max_tokens: 5, messages: [USER] });
    expect(msg.status).toBe(404);
    expect(await msg.json()).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'The model `llama-3-70b` does not exist.' } });
    expect(f.served()).toEqual([0, 0]);
  });

  it('embeddings and other unshaped bodies are routed by their model too, large ones included; an unserved model is 404', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }, { model: 'Kimi-K2.6' }] });
    const embeddings = (i: number) => f!.sims[i]!.requests.filter((r) => r.path === '/v1/embeddings').length;
    for (let i = 0; i < 4; i++) {
      const r = await postJson(f.gatewayUrl, '/v1/embeddings', f.key, { input: `text ${i}`, model: 'Kimi-K2.6' });
      expect(r.status).toBe(200);
      expect(((await r.json()) as { model: string }).model).toBe('Kimi-K2.6');
    }
    // A multipart upload is not read for a model: it streams to a replica as it arrives.
    const form = new FormData();
    form.append('model', 'Kimi-K2.6');
    form.append('file', new Blob([Buffer.alloc(100_000)]), 'a.wav');
    const audio = await fetch(`${f.gatewayUrl}/v1/audio/transcriptions`, { method: 'POST', headers: { authorization: `Bearer ${f.key}` }, body: form });
    expect(audio.status).toBe(404); // the simulator has no such route; what matters is that it got there
    await audio.arrayBuffer();
    expect(f.sims.flatMap((s) => s.requests).filter((r) => r.path === '/v1/audio/transcriptions')).toHaveLength(1);
    // Over 64 KiB, a body that would otherwise stream upstream unread: read for its model here.
    const large = await postJson(f.gatewayUrl, '/v1/embeddings', f.key, { input: 'x'.repeat(100_000), model: 'Kimi-K2.6' });
    expect(large.status).toBe(200);
    await large.arrayBuffer();
    expect([embeddings(0), embeddings(1), embeddings(2)]).toEqual([0, 0, 5]);
    const glm = await postJson(f.gatewayUrl, '/v1/embeddings', f.key, { input: 'y', model: 'GLM-5.1' });
    expect(glm.status).toBe(200);
    await glm.arrayBuffer();
    expect(embeddings(0) + embeddings(1)).toBe(1);
    // A name shaping changed (its -nonthink suffix removed) is named as the client sent it too.
    const suffixed = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, { model: 'glm-5.1-NONTHINK', messages: [{ role: 'user', content: 'x' }] });
    expect([suffixed.status, await suffixed.json()]).toEqual([404, { error: { message: 'The model `glm-5.1` (from `glm-5.1-NONTHINK`) does not exist.', type: 'not_found_error', code: 404 } }]);
    const unknown = await postJson(f.gatewayUrl, '/v1/embeddings', f.key, { input: 'z', model: 'llama-3-70b' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { message: 'The model `llama-3-70b` does not exist.', type: 'not_found_error', code: 404 } });
    expect(embeddings(0) + embeddings(1) + embeddings(2)).toBe(6);
  });

  it('no model named while the replicas serve different models: 400 naming the field; a stored response fetched by id still goes through', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'Kimi-K2.6' }] });
    const message = 'model is required: the backends serve different models';
    const chat = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, { messages: [USER] });
    expect(chat.status).toBe(400);
    expect(await chat.json()).toEqual({ error: { message, type: 'invalid_request_error', code: 400 } });
    // null and "" name no model either (vLLM reads both as not set).
    for (const model of [null, '']) {
      const r = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, { model, messages: [USER] });
      expect([model, r.status, await r.json()]).toEqual([model, 400, { error: { message, type: 'invalid_request_error', code: 400 } }]);
    }
    const msg = await postJson(f.gatewayUrl, '/v1/messages', f.key, { max_tokens: 5, messages: [USER] });
    expect(msg.status).toBe(400);
    expect(await msg.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message } });
    const emb = await postJson(f.gatewayUrl, '/v1/embeddings', f.key, { input: 'x' });
    expect(emb.status).toBe(400);
    expect(await emb.json()).toEqual({ error: { message, type: 'invalid_request_error', code: 400 } });
    // A model that cannot be read is told why, as chat would tell it.
    const why: ReadonlyArray<[string, string]> = [
      ['{"model":', 'Request body must be valid JSON'],
      ['{"model":5,"input":"x"}', 'model must be a string'],
      ['{"model":null,"input":"x"}', message],
      ['{"model":"","input":"x"}', message],
      ['[1]', 'Request body must be a JSON object'],
    ];
    for (const [body, reason] of why) {
      const r = await fetch(`${f.gatewayUrl}/v1/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${f.key}`, 'content-type': 'application/json' }, body });
      expect([body, r.status, await r.json()]).toEqual([body, 400, { error: { message: reason, type: 'invalid_request_error', code: 400 } }]);
    }
    expect(f.served()).toEqual([0, 0]);
    // Forwarded: a backend answers for its own ids.
    const get = await fetch(`${f.gatewayUrl}/v1/responses/resp_unknown`, { headers: { authorization: `Bearer ${f.key}` } });
    await get.arrayBuffer();
    expect(f.sims.flatMap((s) => s.requests).filter((r) => r.method === 'GET' && r.path === '/v1/responses/resp_unknown')).toHaveLength(1);
    expect(get.headers.get('x-sim-request-id')).not.toBeNull();
  });

  it('alias rewriting happens first: claude-* goes to PROXY_ALIAS_MODEL\'s replicas; -nonthinking to its base model', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'Kimi-K2.6' }], env: { PROXY_ALIAS_MODEL: 'Kimi-K2.6' } });
    const a = await postJson(f.gatewayUrl, '/v1/messages', f.key, { model: 'claude-sonnet-4-6', max_tokens: 20, messages: [USER] });
    expect(a.status).toBe(200);
    const b = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, { model: 'GLM-5.1-nonthinking', messages: [USER] });
    expect(b.status).toBe(200);
    expect(f.served()).toEqual([1, 1]);
    expect((lastPost(f, 1)?.body as { model: string }).model).toBe('Kimi-K2.6');
    expect((lastPost(f, 0)?.body as { model: string }).model).toBe('GLM-5.1');
  });

  it('per-model settings: the context window from max_model_len, the output cap from PROXY_MODELS_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'worv-models-'));
    const file = join(dir, 'models.json');
    writeFileSync(file, JSON.stringify({ 'Kimi-K2.6': { maxOutputTokens: 1000 } }));
    try {
      f = await startFleetStack({ replicas: [{ model: 'GLM-5.1', maxModelLen: 4096 }, { model: 'Kimi-K2.6' }], env: { PROXY_MODELS_FILE: file } });
      const k = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, { model: 'Kimi-K2.6', max_tokens: 5000, messages: [USER] });
      expect(k.status).toBe(200);
      expect(k.headers.get('x-worv-max-tokens-capped')).toBe('5000->1000');
      const g = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, { model: 'GLM-5.1', max_tokens: 5000, messages: [USER] });
      expect(g.status).toBe(200);
      // 4096-token window: the cap leaves room for the input and the gateway's reserve.
      const sent = (lastPost(f, 0)?.body as { max_tokens: number }).max_tokens;
      expect(sent).toBeLessThan(4096);
      expect(g.headers.get('x-worv-max-tokens-capped')).toBe(`5000->${sent}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replicas of a model with different max_model_len: the smallest window is listed and capped to, whichever replica serves', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1', maxModelLen: 32768 }, { model: 'GLM-5.1', maxModelLen: 4096 }] });
    const list = (await (await fetch(`${f.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${f.key}` } })).json()) as { data: { id: string; max_model_len: number }[] };
    expect(list.data.filter((m) => m.id === 'GLM-5.1').map((m) => m.max_model_len)).toEqual([4096]);
    for (let i = 0; i < 8; i++) {
      const r = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, { model: 'GLM-5.1', max_tokens: 30000, messages: [{ role: 'user', content: `session ${i}` }] });
      expect(r.status).toBe(200);
    }
    const sent = f.sims.flatMap((s) => s.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => (r.body as { max_tokens: number }).max_tokens));
    expect(sent).toHaveLength(8);
    expect(f.served().every((n) => n > 0)).toBe(true);
    expect(sent.every((n) => n < 4096)).toBe(true);
  });

  it('learns a model a backend starts serving later (listings refreshed every PROXY_MODELS_REFRESH)', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }], env: { PROXY_MODELS_REFRESH: '0.3' } });
    const before = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, { model: 'Kimi-K2.6', messages: [USER] });
    expect(before.status).toBe(404);
    await f.sims[1]?.close();
    const { createSimulator } = await import('../../src/simulator/index.js');
    const port = Number(new URL(f.stack.config.backends[1] as string).port);
    const kimi = createSimulator({ model: 'Kimi-K2.6' });
    await kimi.listen(port, '127.0.0.1');
    f.sims[1] = kimi;
    await until(async () => (await postJson(f!.gatewayUrl, '/v1/chat/completions', f!.key, { model: 'Kimi-K2.6', messages: [USER] })).status === 200, 5000);
    expect(kimi.requests.some((r) => r.path === '/v1/chat/completions')).toBe(true);
  });
});
