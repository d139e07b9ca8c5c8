// Replicas that answer, but fail: an engine that answers every request 500 (its /metrics and
// /v1/models still fine), a replica that refuses the gateway's key, and a replica redeployed at
// the same address with another model. Their requests are tried once on a replica of the model
// that can serve them, the failing one sits out a cooldown its probes do not end, and a stale
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

async function metric(name: string): Promise<number | undefined> {
  const text = await (await fetch(`${f!.gatewayUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('replicas whose answers fail', () => {
  it('an engine answering 500 to every request: each request is served by the other replica, and after three it gets none for a while', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }] });
    const broken = f.sims[1]!;
    broken.setFault('status:500', { paths: ['/v1/chat/completions'] });
    const statuses: number[] = [];
    // 24 sessions: the ring sends some of them to each replica (fewer than 3 there: about 1 in 50,000).
    for (let i = 0; i < 24; i++) {
      const res = await chat('GLM-5.1', `s${i}`);
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    // Every client got its answer; the broken replica was asked three times, then cooled down.
    expect(statuses).toEqual(Array(24).fill(200));
    expect(f.served()).toEqual([24, 3]);
    const replica = f.stack.app.dataPlane.fleet().state.states()[1]!.replica;
    expect([replica.failedAnswers, replica.failedStatus]).toEqual([3, 500]);
    const view = f.stack.app.dataPlane.backendsView().replicas.find((r) => r.url === broken.url);
    expect(view?.health).toBe('cooldown');
    expect(view?.reason).toMatch(/^answered 3 requests in a row with 500 \(its own failure, not the request's\); no new request for [1-5] s$/);
    expect(await metric(`worv_proxy_replica_up{replica="${broken.url}"}`)).toBe(0);
    // Each replica's own answers, by class: which one fails shows in the metrics, not only in the request log.
    expect(await metric(`worv_proxy_replica_responses_total{replica="${broken.url}",code_class="5xx"}`)).toBe(3);
    expect(await metric(`worv_proxy_replica_responses_total{replica="${broken.url}",code_class="2xx"}`)).toBeUndefined();
    expect(await metric(`worv_proxy_replica_responses_total{replica="${f.sims[0]!.url}",code_class="2xx"}`)).toBe(24);
    // Its probes keep succeeding (its /metrics and listing answer), yet it stays out.
    await f.stack.app.dataPlane.fleet().state.refresh();
    expect(f.stack.app.dataPlane.backendsView().replicas.find((r) => r.url === broken.url)?.health).toBe('cooldown');
    // Mended, it is taken back once the cooldown is over, and its first good answer clears it.
    broken.clearFaults();
    await until(() => replica.coolUntil <= performance.now(), 6000);
    f.clear();
    for (let i = 0; i < 24; i++) await (await chat('GLM-5.1', `t${i}`)).arrayBuffer();
    expect(f.served()[1]).toBeGreaterThan(0);
    expect(replica.failedAnswers).toBe(0);
    expect(await metric(`worv_proxy_replica_up{replica="${broken.url}"}`)).toBe(1);
  }, 20_000);

  it('a replica that refuses the gateway\'s key (401): its requests are served by the other one, not answered 502', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }], env: { PROXY_HEALTH_INTERVAL: '3600' } });
    // Restarted with a key the gateway does not have: its last listing still names the model.
    await f.kill(1);
    await f.revive(1, { model: 'GLM-5.1', apiKey: 'a-key-the-gateway-does-not-have' });
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) {
      const res = await chat('GLM-5.1', `k${i}`);
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual(Array(16).fill(200));
    expect(f.served()[0]).toBe(16);
    const replica = f.stack.app.dataPlane.fleet().state.states()[1]!.replica;
    // The sessions routed to it met its 401 and were answered by the other replica.
    expect(f.served()[1]).toBeGreaterThan(0);
    expect([replica.failedAnswers, replica.failedStatus]).toEqual([f.served()[1], 401]);
  });

  it('with one replica of the model, a 500 reaches the client as the engine sent it', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'Kimi-K2.6' }] });
    f.sims[0]!.setFault('status:500', { paths: ['/v1/chat/completions'] });
    const res = await chat('GLM-5.1', 'only');
    expect(res.status).toBe(500);
    expect(res.headers.get('server')).toBe('vllm-simulator');
    await res.arrayBuffer();
    expect(f.served()).toEqual([1, 0]);
  });

  it('a replica redeployed at the same address with another model: its old model\'s requests go to the model\'s other replica, and its listing is read again at once', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'DeepSeek-V4-Pro' }, { model: 'DeepSeek-V4-Pro' }], env: { PROXY_HEALTH_INTERVAL: '3600' } });
    const state = f.stack.app.dataPlane.fleet().state;
    const moved = state.states()[1]!.replica;
    await f.kill(1);
    await f.revive(1, { model: 'Kimi-K2.6' });
    f.clear();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await chat('DeepSeek-V4-Pro', `d${i}`);
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual(Array(8).fill(200));
    // The first request routed there met the 404 and went to replica 2; its listing was read
    // again (no probe round runs in this test), so no later one went there.
    expect(f.served()).toEqual([0, 1, 8]);
    await until(() => !state.servers('DeepSeek-V4-Pro').includes(moved), 2000);
    expect(state.servers('Kimi-K2.6')).toEqual([moved]);
    const models = (await (await fetch(`${f.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${f.key}` } })).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toContain('Kimi-K2.6');
  });
});
