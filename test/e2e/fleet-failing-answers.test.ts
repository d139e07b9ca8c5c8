// Replicas that answer, but fail: an engine that answers every request 500 (its /metrics and
// /v1/models still fine), a replica that refuses the gateway's key, and a replica redeployed at
// the same address with another model. Their requests are tried once on a replica of the model
// that can serve them; a replica whose failures another replica then served sits out a cooldown
// its probes do not end, while a request that fails everywhere takes no replica out; a stale
// listing is read again at once.
import { afterEach, describe, expect, it } from 'vitest';
import { startFleetStack, type FleetStack } from '../helpers/fleet-stack.js';
import { postJson, until } from './support.js';

let f: FleetStack | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const chat = (model: string, session: string): Promise<Response> =>
  postJson(f!.gatewayUrl, '/v1/chat/completions', f!.key, { model, max_tokens: 8, messages: [{ role: 'user', content: `hello from ${session}` }] }, { 'x-claude-code-session-id': session });

/** The session whose requests go to replica `i` (found by sending them: the ring's ports are random). */
async function sessionOn(i: number, model = 'GLM-5.1'): Promise<string> {
  for (let n = 0; n < 200; n++) {
    const before = f!.served()[i]!;
    await (await chat(model, `probe-${n}`)).arrayBuffer();
    if (f!.served()[i]! > before) return `probe-${n}`;
  }
  throw new Error(`no session lands on replica ${i}`);
}

async function metric(name: string): Promise<number | undefined> {
  const text = await (await fetch(`${f!.gatewayUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('replicas whose answers fail', () => {
  it('an engine answering 500 to every request: each request is served by the other replica, and after three it gets none for a while', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }] });
    const broken = f.sims[1]!;
    const home = await sessionOn(1);
    broken.setFault('status:500', { paths: ['/v1/chat/completions'] });
    f.clear();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await chat('GLM-5.1', home);
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    // Every client got its answer; the broken replica was asked three times, then cooled down.
    expect(statuses).toEqual(Array(5).fill(200));
    expect(f.served()).toEqual([5, 3]);
    const replica = f.stack.app.dataPlane.fleet().state.states()[1]!.replica;
    expect([replica.failedAnswers, replica.failedStatus]).toEqual([3, 500]);
    const view = f.stack.app.dataPlane.backendsView().replicas.find((r) => r.url === broken.url);
    expect(view?.health).toBe('cooldown');
    expect(view?.reason).toMatch(/^answered 3 requests in a row with 500 that another replica then served; no new request for [1-5] s$/);
    expect(await metric(`worv_proxy_replica_up{replica="${broken.url}"}`)).toBe(0);
    // Each replica's own answers, by class: which one fails shows in the metrics, not only in the request log.
    expect(await metric(`worv_proxy_replica_responses_total{replica="${broken.url}",code_class="5xx"}`)).toBe(3);
    expect(await metric(`worv_proxy_replica_responses_total{replica="${f.sims[0]!.url}",code_class="2xx"}`)).toBeGreaterThanOrEqual(5);
    // Its probes keep succeeding (its /metrics and listing answer), yet it stays out.
    await f.stack.app.dataPlane.fleet().state.refresh();
    expect(f.stack.app.dataPlane.backendsView().replicas.find((r) => r.url === broken.url)?.health).toBe('cooldown');
    // Mended, it is taken back once the cooldown is over, and its first good answer clears the run.
    broken.clearFaults();
    await until(() => replica.answerCoolUntil <= performance.now(), 6000);
    f.clear();
    const back = await chat('GLM-5.1', home);
    expect(back.status).toBe(200);
    await back.arrayBuffer();
    expect(f.served()).toEqual([0, 1]);
    expect(replica.failedAnswers).toBe(0);
    expect(await metric(`worv_proxy_replica_up{replica="${broken.url}"}`)).toBe(1);
  }, 20_000);

  it('a request that fails on every replica (its SDK retrying it) takes none of them out: the failure is the request\'s', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }] });
    const poison = async (): Promise<number> => {
      const res = await postJson(f!.gatewayUrl, '/v1/chat/completions', f!.key, { model: 'GLM-5.1', messages: [{ role: 'user', content: 'poison' }] }, { 'x-sim-fault': 'status:500' });
      await res.arrayBuffer();
      return res.status;
    };
    // The OpenAI and Anthropic SDKs send a 500 twice more.
    expect([await poison(), await poison(), await poison()]).toEqual([500, 500, 500]);
    expect(f.served()).toEqual([3, 3]);
    for (const s of f.stack.app.dataPlane.fleet().state.states()) expect([s.replica.failedAnswers, s.replica.answerCoolUntil]).toEqual([0, 0]);
    expect(await metric('worv_proxy_model_replicas_up{model="GLM-5.1"}')).toBe(2);
    const ok = await chat('GLM-5.1', 'after');
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
  });

  it('a replica that refuses the gateway\'s key (401): its requests are served by the other one, not answered 502; its cooldown says why', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }], env: { PROXY_HEALTH_INTERVAL: '3600' } });
    const home = await sessionOn(1);
    // Restarted with a key the gateway does not have: its last listing still names the model.
    await f.kill(1);
    await f.revive(1, { model: 'GLM-5.1', apiKey: 'a-key-the-gateway-does-not-have' });
    f.clear();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await chat('GLM-5.1', home);
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual(Array(4).fill(200));
    expect(f.served()).toEqual([4, 3]);
    const view = f.stack.app.dataPlane.backendsView().replicas.find((r) => r.url === f!.sims[1]!.url);
    expect(view?.reason).toMatch(/^answered 3 requests in a row with 401 that another replica then served: it refuses the gateway's VLLM_API_KEY; no new request for [1-5] s$/);
  });

  it('with one replica of the model, a 500 reaches the client as the engine sent it, and the replica stays in use', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'Kimi-K2.6' }] });
    f.sims[0]!.setFault('status:500', { paths: ['/v1/chat/completions'] });
    for (let i = 0; i < 4; i++) {
      const res = await chat('GLM-5.1', 'only');
      expect(res.status).toBe(500);
      expect(res.headers.get('server')).toBe('vllm-simulator');
      await res.arrayBuffer();
    }
    expect(f.served()).toEqual([4, 0]);
    expect(await metric(`worv_proxy_replica_up{replica="${f.sims[0]!.url}"}`)).toBe(1);
  });

  it('a replica redeployed at the same address with another model: its old model\'s requests go to the model\'s other replica, and its listing is read again at once', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'DeepSeek-V4-Pro' }, { model: 'DeepSeek-V4-Pro' }], env: { PROXY_HEALTH_INTERVAL: '3600' } });
    const state = f.stack.app.dataPlane.fleet().state;
    const moved = state.states()[1]!.replica;
    const home = await sessionOn(1, 'DeepSeek-V4-Pro');
    await f.kill(1);
    await f.revive(1, { model: 'Kimi-K2.6' });
    f.clear();
    // Routed to its replica, it meets the 404 there and is answered by replica 2; the listing is
    // read again (no probe round runs in this test).
    const first = await chat('DeepSeek-V4-Pro', home);
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    expect(f.served()).toEqual([0, 1, 1]);
    await until(() => !state.servers('DeepSeek-V4-Pro').includes(moved), 2000);
    expect(state.servers('Kimi-K2.6')).toEqual([moved]);
    const next = await chat('DeepSeek-V4-Pro', home);
    expect(next.status).toBe(200);
    await next.arrayBuffer();
    expect(f.served()).toEqual([0, 1, 2]);
    const models = (await (await fetch(`${f.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${f.key}` } })).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toContain('Kimi-K2.6');
  });

  it('a replica whose 404s are the request\'s (an endpoint its vLLM lacks): its listing is read again at most once per health interval, and the 404 reaches the client', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }], env: { PROXY_HEALTH_INTERVAL: '3600' } });
    const home = await sessionOn(0);
    f.sims[0]!.setFault('status:404', { paths: ['/v1/chat/completions'] });
    f.sims[1]!.setFault('status:404', { paths: ['/v1/chat/completions'] });
    const listings = (): number => f!.sims.reduce((n, s) => n + s.requests.filter((r) => r.path === '/v1/models').length, 0);
    f.clear();
    const statuses: number[] = [];
    const relisted = f.stack.app.dataPlane.fleet().state.states()[0]!;
    for (let i = 0; i < 10; i++) {
      const res = await chat('GLM-5.1', home);
      statuses.push(res.status);
      await res.arrayBuffer();
      await until(() => !relisted.relisting);
    }
    expect(statuses).toEqual(Array(10).fill(404));
    // The first one was read again and tried elsewhere; the other nine went once.
    expect(listings()).toBe(1);
    expect(f.served().reduce((a, b) => a + b, 0)).toBe(11);
  });
});
