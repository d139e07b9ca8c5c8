// The console's key and usage pages against a real data plane: keys created, deactivated and
// deleted through /api take effect on /v1 within the one-second key cache, and /v1 traffic
// shows up in /api/keys and /api/usage.
import { afterEach, describe, expect, it } from 'vitest';
import { utcDay } from '../../src/core/clock.js';
import { fixedClock } from '../helpers/clock.js';
import { hashPassword } from '../../src/core/password.js';
import { CreateKeyResponse, KeysListResponse, RequestsResponse, UsageResponse } from '../../src/shared/api-contract.js';
import { upsertAdminUser } from '../../src/store/admin-users.repo.js';
import { CHAT_BODY } from '../e2e/support.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { ADMIN, CHEAP_SCRYPT, cookiePair, send, type Login } from './admin-app.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function consoleLogin(s: Stack): Promise<Login> {
  await upsertAdminUser(s.store.db, { username: ADMIN.username, passwordHash: await hashPassword(ADMIN.password, CHEAP_SCRYPT), now: new Date().toISOString() });
  const r = await send(s.gatewayUrl, 'POST', '/api/login', { body: ADMIN });
  const setCookie = r.headers.get('set-cookie');
  return { cookie: cookiePair(setCookie), csrf: (r.json as { csrf_token: string }).csrf_token, setCookie: setCookie ?? '' };
}

const chat = (s: Stack, key: string) =>
  fetch(`${s.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(CHAT_BODY),
  });

describe('console keys against /v1', () => {
  it('a key created in the console works; deactivation and deletion take effect within one second', async () => {
    const clock = fixedClock(Date.parse('2026-08-01T12:00:00Z'));
    stack = await startStack({ clock });
    const s = stack;
    const login = await consoleLogin(s);
    const api = (method: string, path: string, body?: unknown) =>
      send(s.gatewayUrl, method, path, { cookie: login.cookie, csrf: login.csrf, ...(body !== undefined ? { body } : {}) });
    const models = (key: string) => fetch(`${s.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });

    const created = CreateKeyResponse.parse((await api('POST', '/api/keys', { name: 'playground' })).json);
    expect((await models(created.key)).status).toBe(200);

    expect((await api('PATCH', `/api/keys/${created.id}`, { is_active: false })).status).toBe(200);
    clock.advance(1000);
    const revoked = await models(created.key);
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toEqual({ error: { message: 'Unauthorized', type: 'authentication_error', code: 401 } });
    // The same 401 as an unknown key, but the attempt is logged under the deactivated key, so the
    // console shows that a paused client still tries.
    const logged = RequestsResponse.parse((await api('GET', `/api/requests?key_id=${created.id}`)).json);
    expect(logged.requests.map((r) => [r.status, r.key_id, r.key_name, r.error, r.endpoint])).toEqual([
      [401, created.id, 'playground', 'unauthorized', 'models'],
      [200, created.id, 'playground', null, 'models'],
    ]);

    expect((await api('PATCH', `/api/keys/${created.id}`, { is_active: true })).status).toBe(200);
    clock.advance(1000);
    expect((await models(created.key)).status).toBe(200);

    expect((await api('DELETE', `/api/keys/${created.id}`)).status).toBe(200);
    clock.advance(1000);
    expect((await models(created.key)).status).toBe(401);
  });

  it('/v1 traffic shows in the key list and in /api/usage', async () => {
    const clock = fixedClock(Date.parse('2026-08-01T12:00:00Z'));
    stack = await startStack({ clock });
    const s = stack;
    const login = await consoleLogin(s);
    const created = CreateKeyResponse.parse(
      (await send(s.gatewayUrl, 'POST', '/api/keys', { cookie: login.cookie, csrf: login.csrf, body: { name: 'traffic' } })).json,
    );
    for (let i = 0; i < 2; i++) {
      const r = await chat(s, created.key);
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    }
    const totals = await s.usage(created.id);
    expect(totals.requests).toBe(2);

    const list = KeysListResponse.parse((await send(s.gatewayUrl, 'GET', '/api/keys', { cookie: login.cookie })).json);
    expect(list.keys[0]).toMatchObject({
      id: created.id,
      last_used_at: '2026-08-01T12:00:00.000Z',
      usage: { requests: 2, prompt_tokens: totals.promptTokens, completion_tokens: totals.completionTokens },
    });
    const usage = UsageResponse.parse((await send(s.gatewayUrl, 'GET', `/api/usage?key_id=${created.id}`, { cookie: login.cookie })).json);
    expect(usage.days).toEqual([
      { date: utcDay(clock.now()), key_id: created.id, requests: 2, prompt_tokens: totals.promptTokens, completion_tokens: totals.completionTokens, cached_tokens: 0, reasoning_tokens: 0 },
    ]);
    expect(usage.totals.prompt_tokens).toBeGreaterThan(0);
  });
});
