import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/core/api-key.js';
import { fixedClock } from '../helpers/clock.js';
import { MSG } from '../../src/core/messages.js';
import { CreateKeyResponse, KeysListResponse } from '../../src/shared/api-contract.js';
import { findApiKeyByHash } from '../../src/store/api-keys.repo.js';
import { recordUsage } from '../../src/store/usage.repo.js';
import { describeAdminRoute } from '../helpers/describe-admin-route.js';
import { startAdminApp, type AdminApp, type Login } from './admin-app.js';

describeAdminRoute({ method: 'GET', path: '/api/keys' });
describeAdminRoute({ method: 'POST', path: '/api/keys', body: { name: 'x' } });
describeAdminRoute({ method: 'GET', path: '/api/keys/some-id' });
describeAdminRoute({ method: 'PATCH', path: '/api/keys/some-id', body: { name: 'x' } });
describeAdminRoute({ method: 'DELETE', path: '/api/keys/some-id' });

const NOW = Date.parse('2026-04-02T09:30:00.000Z');
let app: AdminApp;
let s: Login;
beforeAll(async () => {
  app = await startAdminApp({ clock: fixedClock(NOW) });
  s = await app.login();
});
afterAll(async () => {
  await app.close();
});
/** The policy members of a key without limits, scope, expiry or priority. */
const NO_POLICY = {
  expired: false,
  limits: { rpm: null, tpm: null, concurrency: null, daily_tokens: null, monthly_tokens: null },
  allowed_models: null,
  expires_at: null,
  priority: 'normal',
  in_flight: 0,
} as const;
const UNUSED = { ...NO_POLICY, usage_today: 0, usage_month: 0 };

const call = (method: string, path: string, body?: unknown) =>
  app.request(method, path, { cookie: s.cookie, csrf: s.csrf, ...(body !== undefined ? { body } : {}) });

describe('POST /api/keys', () => {
  it('creates a random key, returns it once (201) with the listed shape, stores only its hash', async () => {
    const r = await call('POST', '/api/keys', { name: '  laptop  ' });
    expect(r.status).toBe(201);
    const created = CreateKeyResponse.parse(r.json);
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      name: 'laptop',
      key: expect.stringMatching(/^wp-[A-Za-z0-9_-]{43}$/),
      key_prefix: created.key.slice(0, 11),
      is_active: true,
      created_at: '2026-04-02T09:30:00.000Z',
      last_used_at: null,
      usage: { requests: 0, prompt_tokens: 0, completion_tokens: 0 },
      ...UNUSED,
    });
    expect(Object.keys(r.json as object).sort()).toEqual([
      'allowed_models', 'created_at', 'expired', 'expires_at', 'id', 'in_flight', 'is_active', 'key', 'key_prefix', 'last_used_at', 'limits', 'name',
      'priority', 'usage', 'usage_month', 'usage_today',
    ]);
    expect(await findApiKeyByHash(app.store.db, hashApiKey(created.key))).toMatchObject({ id: created.id });
    const stored = await app.store.db.selectFrom('api_keys').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(created.key);
    // The full key never appears again.
    for (const path of ['/api/keys', `/api/keys/${created.id}`]) expect((await call('GET', path)).text).not.toContain(created.key);
    expect((await call('PATCH', `/api/keys/${created.id}`, { name: 'x' })).text).not.toContain(created.key);
  });

  it('accepts an explicit key verbatim and answers 409 Key already exists for a duplicate', async () => {
    const r = await call('POST', '/api/keys', { name: 'ci', key: 'sk-explicit-key-000001' });
    expect(r.status).toBe(201);
    // Listings show at most a third of a key (22 characters: 7).
    expect(r.json).toMatchObject({ key: 'sk-explicit-key-000001', key_prefix: 'sk-expl' });
    const dup = await call('POST', '/api/keys', { name: 'again', key: 'sk-explicit-key-000001' });
    expect({ status: dup.status, json: dup.json }).toEqual({ status: 409, json: { error: MSG.keyExists } });
  });

  it.each<[unknown, string]>([
    [undefined, MSG.nameRequired],
    [{}, MSG.nameRequired],
    [{ name: null }, MSG.nameRequired],
    [[], MSG.nameRequired],
    ['laptop', MSG.nameRequired],
    [{ name: 42 }, MSG.nameMustBeString],
    [{ name: ['a'] }, MSG.nameMustBeString],
    [{ name: '' }, MSG.nameMustNotBeEmpty],
    [{ name: '   ' }, MSG.nameMustNotBeEmpty],
    [{ name: 'x'.repeat(121) }, MSG.nameTooLong],
    [{ name: 'ok', key: '' }, MSG.keyMustBeNonEmptyString],
    [{ name: 'ok', key: '   ' }, MSG.keyMustBeNonEmptyString],
    [{ name: 'ok', key: 7 }, MSG.keyMustBeNonEmptyString],
    [{ name: 'ok', key: 'sk-short-key' }, MSG.keyTooShort],
    [{ name: 'ok', key: 'x'.repeat(19) }, MSG.keyTooShort],
  ])('400 for %j: %s', async (body, error) => {
    const r = await call('POST', '/api/keys', body);
    expect({ status: r.status, json: r.json }).toEqual({ status: 400, json: { error } });
  });

  it('accepts a name of exactly 120 characters', async () => {
    expect((await call('POST', '/api/keys', { name: 'n'.repeat(120) })).status).toBe(201);
  });
});

describe('GET /api/keys and /api/keys/:id', () => {
  it('lists prefix, name, state, created, last used and usage totals, newest first', async () => {
    const clockApp = await startAdminApp({ clock: fixedClock(NOW) });
    try {
      const t = await clockApp.login();
      const mk = async (name: string) =>
        CreateKeyResponse.parse((await clockApp.request('POST', '/api/keys', { cookie: t.cookie, csrf: t.csrf, body: { name } })).json);
      const a = await mk('alpha');
      (clockApp.clock as ReturnType<typeof fixedClock>).advance(1000);
      const b = await mk('beta');
      await recordUsage(clockApp.store, [
        { keyId: a.id, day: '2026-04-02', requests: 3, promptTokens: 120, completionTokens: 45, usedAt: '2026-04-02T10:00:00.000Z' },
      ]);
      const list = await clockApp.request('GET', '/api/keys', { cookie: t.cookie });
      expect(list.status).toBe(200);
      const body = KeysListResponse.parse(list.json);
      expect(body.keys).toEqual([
        { id: b.id, name: 'beta', key_prefix: b.key_prefix, is_active: true, created_at: '2026-04-02T09:30:01.000Z', last_used_at: null, usage: { requests: 0, prompt_tokens: 0, completion_tokens: 0 }, ...UNUSED },
        { id: a.id, name: 'alpha', key_prefix: a.key_prefix, is_active: true, created_at: '2026-04-02T09:30:00.000Z', last_used_at: '2026-04-02T10:00:00.000Z', usage: { requests: 3, prompt_tokens: 120, completion_tokens: 45 }, ...NO_POLICY, usage_today: 165, usage_month: 165 },
      ]);
      const one = await clockApp.request('GET', `/api/keys/${a.id}`, { cookie: t.cookie });
      expect(one.status).toBe(200);
      expect(one.json).toEqual(body.keys[1]);
    } finally {
      await clockApp.close();
    }
  });

  it('answers 404 Key not found for an unknown id on GET, PATCH and DELETE', async () => {
    for (const [method, body] of [['GET'], ['PATCH', { name: 'x' }], ['PATCH', {}], ['DELETE']] as const) {
      const r = await call(method, '/api/keys/does-not-exist', body);
      expect({ status: r.status, json: r.json }).toEqual({ status: 404, json: { error: MSG.keyNotFound } });
    }
  });
});

describe('PATCH /api/keys/:id', () => {
  it('renames and (de)activates', async () => {
    const k = CreateKeyResponse.parse((await call('POST', '/api/keys', { name: 'ops' })).json);
    const renamed = await call('PATCH', `/api/keys/${k.id}`, { name: ' ops-2 ' });
    expect(renamed.status).toBe(200);
    expect(renamed.json).toMatchObject({ id: k.id, name: 'ops-2', is_active: true });
    const off = await call('PATCH', `/api/keys/${k.id}`, { is_active: false });
    expect(off.json).toMatchObject({ name: 'ops-2', is_active: false });
    expect(await findApiKeyByHash(app.store.db, hashApiKey(k.key))).toMatchObject({ isActive: false });
    const both = await call('PATCH', `/api/keys/${k.id}`, { name: 'ops-3', is_active: true });
    expect(both.json).toMatchObject({ name: 'ops-3', is_active: true });
  });

  it.each<[unknown, string]>([
    [undefined, MSG.noFieldsToUpdate],
    [{}, MSG.noFieldsToUpdate],
    // An empty limits object changes nothing either (it answered 200 and did nothing).
    [{ limits: {} }, MSG.noFieldsToUpdate],
    [{ unknown: 1 }, 'unknown member: unknown'],
    [null, MSG.noFieldsToUpdate],
    [{ name: null }, MSG.nameMustBeString],
    [{ name: 5 }, MSG.nameMustBeString],
    [{ name: '' }, MSG.nameMustNotBeEmpty],
    [{ name: 'y'.repeat(121) }, MSG.nameTooLong],
    [{ is_active: 'false' }, MSG.isActiveMustBeBoolean],
    [{ is_active: 0 }, MSG.isActiveMustBeBoolean],
    [{ is_active: null }, MSG.isActiveMustBeBoolean],
    [{ name: 'fine', is_active: 'yes' }, MSG.isActiveMustBeBoolean],
  ])('400 for %j: %s', async (body, error) => {
    const k = CreateKeyResponse.parse((await call('POST', '/api/keys', { name: 'v' })).json);
    const r = body === null ? await app.request('PATCH', `/api/keys/${k.id}`, { cookie: s.cookie, csrf: s.csrf, raw: 'null' }) : await call('PATCH', `/api/keys/${k.id}`, body);
    expect({ status: r.status, json: r.json }).toEqual({ status: 400, json: { error } });
  });
});

describe('DELETE /api/keys/:id', () => {
  it('deletes the key and its usage; a second delete is 404', async () => {
    const k = CreateKeyResponse.parse((await call('POST', '/api/keys', { name: 'tmp' })).json);
    await recordUsage(app.store, [{ keyId: k.id, day: '2026-04-02', requests: 1, promptTokens: 1, completionTokens: 1, usedAt: '2026-04-02T10:00:00.000Z' }]);
    const r = await call('DELETE', `/api/keys/${k.id}`);
    expect({ status: r.status, json: r.json }).toEqual({ status: 200, json: { id: k.id, deleted: true } });
    expect(await findApiKeyByHash(app.store.db, hashApiKey(k.key))).toBeUndefined();
    expect(await app.store.db.selectFrom('usage_daily').selectAll().where('key_id', '=', k.id).execute()).toEqual([]);
    expect((await call('DELETE', `/api/keys/${k.id}`)).status).toBe(404);
  });
});
