// GET /v1/models returns the backends' listings as learned (one backend: its payload), plus a
// synthetic `<model>-nonthinking` card when a model's profile can switch thinking off. When no
// listing could be learned, the request goes to the backend: a status other than 200 is 502
// `Backend unavailable`. Several backends serving different models: test/e2e/fleet-models.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { updateApiKey } from '../../src/store/api-keys.repo.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { closedPortUrl } from './support.js';

interface Card {
  readonly id: string;
  readonly [k: string]: unknown;
}

/** The simulator's own /v1/models answer (seeded: every listing has the same bytes). */
async function lastListing(s: Stack): Promise<string> {
  return (await fetch(`${s.sim.url}/v1/models`)).text();
}

describe('GET /v1/models', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  const list = async (s: Stack, key: string, headers: Record<string, string> = {}) =>
    fetch(`${s.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}`, ...headers } });

  it('returns the backend payload byte for byte when the live model has no thinking switch', async () => {
    stack = await startStack({ simulator: { model: 'plain-model', seed: 1 } });
    const { key } = await stack.createKey();
    const res = await list(stack, key);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const text = await res.text();
    expect(text).toBe(await lastListing(stack));
  });

  for (const [model, env] of [
    ['DeepSeek-V4-Pro', {}],
    ['zai-org/GLM-5.1-FP8', {}],
    ['Kimi-K2.6', {}],
    ['plain-model', { PROXY_MODEL_PROFILE: 'deepseek-v4' }],
  ] as const) {
    it(`adds ${model}-nonthinking after the live card (${Object.keys(env).length > 0 ? 'profile from PROXY_MODEL_PROFILE' : 'profile from the model name'})`, async () => {
      stack = await startStack({ simulator: { model, seed: 1 }, env });
      const { key } = await stack.createKey();
      const res = await list(stack, key);
      expect(res.status).toBe(200);
      const got = (await res.json()) as { object: string; data: Card[] };
      const backend = JSON.parse(await lastListing(stack)) as { object: string; data: Card[] };
      expect(got.object).toBe(backend.object);
      expect(got.data).toHaveLength(backend.data.length + 1);
      expect(got.data.slice(0, backend.data.length)).toEqual(backend.data);
      expect(got.data.at(-1)).toEqual({ ...backend.data[0], id: `${model}-nonthinking` });
    });
  }

  it('GET /v1/models/{id} answers that card (a name with a slash too), 404 for one not listed or outside the key\'s scope; it counts as a request, never against a limit', async () => {
    stack = await startStack({ simulator: { model: 'zai-org/GLM-5.1-FP8', seed: 1 } });
    const s = stack;
    const { id, key } = await s.createKey();
    const get = (path: string, k = key) => fetch(`${s.gatewayUrl}${path}`, { headers: { authorization: `Bearer ${k}` } });
    const backend = JSON.parse(await lastListing(s)) as { data: Card[] };
    const one = await get('/v1/models/zai-org/GLM-5.1-FP8');
    expect([one.status, one.headers.get('content-type')]).toEqual([200, 'application/json']);
    expect(await one.json()).toEqual(backend.data[0]);
    const off = await get('/v1/models/zai-org%2FGLM-5.1-FP8-nonthinking');
    expect(((await off.json()) as Card).id).toBe('zai-org/GLM-5.1-FP8-nonthinking');
    const missing = await get('/v1/models/gpt-4o');
    expect([missing.status, await missing.json()]).toEqual([404, { error: { message: 'The model `gpt-4o` does not exist.', type: 'not_found_error', code: 404 } }]);
    const requests = s.sim.requests.filter((r) => r.path.startsWith('/v1/models/')).length;
    expect(requests).toBe(0);
    // The two answered count as requests (no tokens), as the listing does; the 404 does not.
    expect((await s.usage(id)).requests).toBe(2);
    const scoped = await s.createKey('scoped');
    await updateApiKey(s.store.db, scoped.id, { policy: { allowedModels: ['other'], limits: { rpm: 1 } } });
    for (let i = 0; i < 2; i++) expect((await get('/v1/models/zai-org/GLM-5.1-FP8', scoped.key)).status).toBe(404);
  });

  for (const rewriteAll of [false, true]) {
    it(`GET /v1/models/{id} of a name the alias rules rewrite answers the card it is served as (PROXY_ALIAS_REWRITE_ALL ${rewriteAll ? 'on' : 'off'})`, async () => {
      stack = await startStack({
        simulator: { model: 'DeepSeek-V4-Pro', seed: 1 },
        env: { PROXY_ALIAS_MODEL: 'DeepSeek-V4-Pro', ...(rewriteAll ? { PROXY_ALIAS_REWRITE_ALL: 'on' } : {}) },
      });
      const s = stack;
      const { key } = await s.createKey();
      const id = async (name: string): Promise<[number, string | undefined]> => {
        const r = await fetch(`${s.gatewayUrl}/v1/models/${name}`, { headers: { authorization: `Bearer ${key}` } });
        return [r.status, ((await r.json()) as Partial<Card>).id];
      };
      expect(await id('claude-sonnet-4-5')).toEqual([200, 'DeepSeek-V4-Pro']);
      expect(await id('deepseek-v4-pro')).toEqual([200, 'DeepSeek-V4-Pro']);
      expect(await id('claude-sonnet-4-5-nonthinking')).toEqual([200, 'DeepSeek-V4-Pro-nonthinking']);
      expect(await id('gpt-4o')).toEqual(rewriteAll ? [200, 'DeepSeek-V4-Pro'] : [404, undefined]);
    });
  }

  it('GET /v1/models/{id} before any listing is known asks the backend for its list (vLLM has no route for one model) and answers the card from it', async () => {
    // The start-up probe meets a failing backend, so the gateway knows no listing yet.
    stack = await startStack({ simulator: { model: 'Kimi-K2.6', seed: 1, fault: 'status:500' } });
    const s = stack;
    const { id, key } = await s.createKey();
    s.sim.clearFaults();
    const get = (path: string) => fetch(`${s.gatewayUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
    const backend = JSON.parse(await lastListing(s)) as { data: Card[] };
    s.sim.clearRequests();
    const one = await get('/v1/models/Kimi-K2.6');
    expect([one.status, one.headers.get('content-type')]).toEqual([200, 'application/json']);
    expect(await one.json()).toEqual(backend.data[0]);
    const off = await get('/v1/models/Kimi-K2.6-nonthinking');
    expect([off.status, ((await off.json()) as Card).id]).toEqual([200, 'Kimi-K2.6-nonthinking']);
    const missing = await get('/v1/models/gpt-4o');
    expect([missing.status, await missing.json()]).toEqual([404, { error: { message: 'The model `gpt-4o` does not exist.', type: 'not_found_error', code: 404 } }]);
    const paths = s.sim.requests.map((r) => r.path).filter((p) => p.startsWith('/v1/models'));
    expect(paths.length).toBeGreaterThan(0);
    expect(new Set(paths)).toEqual(new Set(['/v1/models']));
    expect((await s.usage(id)).requests).toBe(2);
  });

  it('answers 502 Backend unavailable when the backend answers with an error status', async () => {
    stack = await startStack({ simulator: { fault: 'status:500' } });
    const { key } = await stack.createKey();
    const res = await list(stack, key);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('retry-after')).toBeNull();
    expect(await res.json()).toEqual({ error: { message: 'Backend unavailable', type: 'server_error', code: 502 } });
  });

  it('answers 503 Backend unavailable when the backend cannot be reached', async () => {
    stack = await startStack({ simulator: false, env: { VLLM_BASE_URL: await closedPortUrl() } });
    const { key } = await stack.createKey();
    const res = await list(stack, key);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30'); // the harness's hourly probe, capped at the longest cooldown
    expect(await res.json()).toEqual({ error: { message: 'Backend unavailable', type: 'server_error', code: 503 } });
  });

  it('reports the backend status and live model for /api/status', async () => {
    stack = await startStack({ simulator: { model: 'DeepSeek-V4-Pro' } });
    const status = await stack.app.dataPlane.backendStatus();
    expect(status.reachable).toBe(true);
    expect(status.model).toBe('DeepSeek-V4-Pro');
    expect(typeof status.latencyMs).toBe('number');
    expect(status.checkedAt).toBeGreaterThan(0);
  });

  it('reports an unreachable backend', async () => {
    stack = await startStack({ simulator: false, env: { VLLM_BASE_URL: await closedPortUrl() } });
    const status = await stack.app.dataPlane.backendStatus();
    expect(status).toMatchObject({ reachable: false, latencyMs: null, model: null });
  });
});
