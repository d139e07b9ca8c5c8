// A key's `in_flight` in /api/keys counts its requests being served now, whether or not it has a
// concurrency limit (a limited key's count comes from the shared counters, another key's from
// this gateway), and drops back once they end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { CreateKeyResponse, KeyResponse, KeysListResponse } from '../../src/shared/api-contract.js';
import { until } from '../e2e/support.js';
import { startAdminApp, type AdminApp, type Login } from './admin-app.js';

let sim: Simulator;
let app: AdminApp;
let s: Login;
beforeAll(async () => {
  sim = createSimulator({});
  await sim.listen(0, '127.0.0.1');
  app = await startAdminApp({ env: { VLLM_BASE_URL: sim.url } });
  s = await app.login();
});
afterAll(async () => {
  await app.close();
  await sim.close();
});
const call = (method: string, path: string, body?: unknown) =>
  app.request(method, path, { cookie: s.cookie, csrf: s.csrf, ...(body !== undefined ? { body } : {}) });

async function held(key: string, tag: string): Promise<Response> {
  const res = await fetch(`${app.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-sim-hold': tag },
    body: JSON.stringify({ model: 'sim-model', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await sim.waitForHold(tag);
  return res;
}

describe('/api/keys in_flight', () => {
  it('counts the requests being served of a key without limits and of one with a concurrency limit', async () => {
    const free = CreateKeyResponse.parse((await call('POST', '/api/keys', { name: 'free' })).json);
    const capped = CreateKeyResponse.parse((await call('POST', '/api/keys', { name: 'capped', limits: { concurrency: 5 } })).json);
    const inFlight = async (id: string): Promise<number> => KeyResponse.parse((await call('GET', `/api/keys/${id}`)).json).in_flight;
    const open = [await held(free.key, 'f1'), await held(free.key, 'f2'), await held(capped.key, 'c1')];
    expect(open.map((r) => r.status)).toEqual([200, 200, 200]);
    expect([await inFlight(free.id), await inFlight(capped.id)]).toEqual([2, 1]);
    const list = KeysListResponse.parse((await call('GET', '/api/keys')).json);
    expect(Object.fromEntries(list.keys.map((k) => [k.name, k.in_flight]))).toEqual({ free: 2, capped: 1 });
    for (const tag of ['f1', 'f2', 'c1']) sim.release(tag);
    await Promise.all(open.map((r) => r.text()));
    await until(async () => (await inFlight(free.id)) === 0 && (await inFlight(capped.id)) === 0, 3000);
  });
});
