// /api/keys limit fields: POST and PATCH accept limits, allowed_models, expires_at and priority
// (null clears one, an absent member is kept), a Key returns them with its usage today, this
// month and in flight, and bad values get 400 naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../helpers/clock.js';
import { CreateKeyResponse, KeyResponse, KeysListResponse } from '../../src/shared/api-contract.js';
import { recordUsage } from '../../src/store/usage.repo.js';
import { startAdminApp, type AdminApp, type Login } from './admin-app.js';

const NOW = Date.parse('2026-04-15T09:30:00.000Z');
let app: AdminApp;
let s: Login;
beforeAll(async () => {
  app = await startAdminApp({ clock: fixedClock(NOW) });
  s = await app.login();
});
afterAll(async () => {
  await app.close();
});
const call = (method: string, path: string, body?: unknown) =>
  app.request(method, path, { cookie: s.cookie, csrf: s.csrf, ...(body !== undefined ? { body } : {}) });

describe('/api/keys limits', () => {
  it('creates a key with every limit and returns them with its usage; PATCH changes one and clears another', async () => {
    const r = await call('POST', '/api/keys', {
      name: 'team-a',
      limits: { rpm: 20, tpm: 50_000, concurrency: 2, daily_tokens: 1_000_000, monthly_tokens: 20_000_000 },
      allowed_models: ['sim-model', 'other'],
      expires_at: '2027-01-31T00:00:00Z',
      priority: 'high',
    });
    expect(r.status).toBe(201);
    const k = CreateKeyResponse.parse(r.json);
    expect(k).toMatchObject({
      limits: { rpm: 20, tpm: 50_000, concurrency: 2, daily_tokens: 1_000_000, monthly_tokens: 20_000_000 },
      allowed_models: ['sim-model', 'other'],
      expires_at: '2027-01-31T00:00:00.000Z',
      priority: 'high',
      usage_today: 0,
      usage_month: 0,
      in_flight: 0,
    });
    await recordUsage(app.store, [
      { keyId: k.id, day: '2026-04-15', requests: 1, promptTokens: 10, completionTokens: 5, usedAt: '2026-04-15T09:00:00.000Z' },
      { keyId: k.id, day: '2026-04-02', requests: 1, promptTokens: 100, completionTokens: 0, usedAt: '2026-04-02T09:00:00.000Z' },
      { keyId: k.id, day: '2026-03-31', requests: 1, promptTokens: 1000, completionTokens: 0, usedAt: '2026-03-31T09:00:00.000Z' },
    ]);
    const p = await call('PATCH', `/api/keys/${k.id}`, { limits: { rpm: 30, tpm: null }, allowed_models: null, priority: 'normal' });
    expect(p.status).toBe(200);
    expect(KeyResponse.parse(p.json)).toMatchObject({
      limits: { rpm: 30, tpm: null, concurrency: 2, daily_tokens: 1_000_000, monthly_tokens: 20_000_000 },
      allowed_models: null,
      expires_at: '2027-01-31T00:00:00.000Z',
      priority: 'normal',
      usage_today: 15,
      usage_month: 115,
    });
    const cleared = await call('PATCH', `/api/keys/${k.id}`, {
      limits: { rpm: null, concurrency: null, daily_tokens: null, monthly_tokens: null },
      expires_at: null,
    });
    expect(KeyResponse.parse(cleared.json)).toMatchObject({
      limits: { rpm: null, tpm: null, concurrency: null, daily_tokens: null, monthly_tokens: null },
      expires_at: null,
      name: 'team-a',
    });
    // `limits: null` clears every limit at once, as null clears any other member.
    await call('PATCH', `/api/keys/${k.id}`, { limits: { rpm: 5, daily_tokens: 100 } });
    const none = await call('PATCH', `/api/keys/${k.id}`, { limits: null });
    expect(none.status).toBe(200);
    expect(KeyResponse.parse(none.json).limits).toEqual({ rpm: null, tpm: null, concurrency: null, daily_tokens: null, monthly_tokens: null });
    // A member the body does not have is refused on PATCH too.
    expect((await call('PATCH', `/api/keys/${k.id}`, { nmae: 'typo' })).json).toEqual({ error: 'unknown member: nmae' });
  });

  it('POST: is_active false creates the key disabled; a model named twice in allowed_models is stored once', async () => {
    const r = await call('POST', '/api/keys', { name: 'off', is_active: false, allowed_models: ['sim-model', 'sim-model', 'other'] });
    expect(r.status).toBe(201);
    expect(KeyResponse.parse(r.json)).toMatchObject({ is_active: false, allowed_models: ['sim-model', 'other'] });
  });

  const bad: ReadonlyArray<[unknown, string]> = [
    [{ limits: { rpm: 0 } }, 'limits.rpm must be a positive integer or null'],
    [{ limits: { tpm: 1.5 } }, 'limits.tpm must be a positive integer or null'],
    [{ limits: { concurrency: '2' } }, 'limits.concurrency must be a positive integer or null'],
    [{ limits: { daily_tokens: -1 } }, 'limits.daily_tokens must be a positive integer or null'],
    // Too large is said so (it said "must be a positive integer", which it is).
    [{ limits: { rpm: 9007199254740992 } }, 'limits.rpm must be at most 9007199254740991'],
    [{ limits: { rpn: 1 } }, 'limits must have only rpm, tpm, concurrency, daily_tokens and monthly_tokens'],
    [{ limits: 5 }, 'limits must be an object or null'],
    [{ allowed_models: 'sim-model' }, 'allowed_models must be an array of model names or null'],
    [{ allowed_models: [] }, 'allowed_models must be an array of model names or null'],
    [{ allowed_models: [''] }, 'allowed_models[0] must be a model name'],
    [{ bogus: 1 }, 'unknown member: bogus'],
    [{ is_active: 'no', limit: {} }, 'is_active must be a boolean'],
    [{ rpm: 5, tpm: 10 }, 'unknown members: rpm, tpm'],
    [{ expires_at: 'tomorrow' }, 'expires_at must be an ISO-8601 time or null'],
    [{ expires_at: '2026-02-30T00:00:00Z' }, 'expires_at must be an ISO-8601 time or null'],
    [{ expires_at: '2027-13-01' }, 'expires_at must be an ISO-8601 time or null'],
    [{ priority: 'urgent' }, 'priority must be low, normal or high'],
  ];
  for (const [body, message] of bad) {
    it(`400 for ${JSON.stringify(body)}: ${message}`, async () => {
      const post = await call('POST', '/api/keys', { name: 'x', ...(body as object) });
      expect({ status: post.status, json: post.json }).toEqual({ status: 400, json: { error: message } });
    });
  }

  it('expires_at: a date alone is midnight UTC, a time without an offset is UTC', async () => {
    const d = await call('POST', '/api/keys', { name: 'day', expires_at: '2027-01-01' });
    expect(d.status).toBe(201);
    expect(KeyResponse.parse(d.json).expires_at).toBe('2027-01-01T00:00:00.000Z');
    const t = await call('POST', '/api/keys', { name: 'time', expires_at: '2027-03-04T05:06' });
    expect(KeyResponse.parse(t.json).expires_at).toBe('2027-03-04T05:06:00.000Z');
    // Python's isoformat: microseconds and an offset with a colon; an offset without one too.
    const py = await call('POST', '/api/keys', { name: 'py', expires_at: '2027-01-31T00:00:00.123456+00:00' });
    expect(KeyResponse.parse(py.json).expires_at).toBe('2027-01-31T00:00:00.123Z');
    const compact = await call('POST', '/api/keys', { name: 'compact', expires_at: '2027-01-31T05:00+0530' });
    expect(KeyResponse.parse(compact.json).expires_at).toBe('2027-01-30T23:30:00.000Z');
  });

  it('expired: false until expires_at, true from it on (is_active unchanged); POST refuses an expiry that is not in the future', async () => {
    for (const past of ['2020-01-01', '2026-04-15T09:30:00Z']) {
      const r = await call('POST', '/api/keys', { name: 'old', expires_at: past });
      expect({ status: r.status, json: r.json }).toEqual({
        status: 400,
        json: { error: 'expires_at must be in the future (a key created already expired is refused from the start)' },
      });
    }
    const k = CreateKeyResponse.parse((await call('POST', '/api/keys', { name: 'soon', expires_at: '2026-04-15T09:30:01Z' })).json);
    expect(k).toMatchObject({ is_active: true, expired: false });
    // PATCH may set a past time: the key expires now.
    const p = await call('PATCH', `/api/keys/${k.id}`, { expires_at: '2020-01-01' });
    expect(KeyResponse.parse(p.json)).toMatchObject({ is_active: true, expired: true, expires_at: '2020-01-01T00:00:00.000Z' });
    const list = KeysListResponse.parse((await app.request('GET', '/api/keys', { cookie: s.cookie })).json);
    expect(list.keys.find((x) => x.id === k.id)).toMatchObject({ is_active: true, expired: true });
  });

  it('PATCH with only a limit is a change (not "No fields to update")', async () => {
    const k = CreateKeyResponse.parse((await call('POST', '/api/keys', { name: 'y' })).json);
    const p = await call('PATCH', `/api/keys/${k.id}`, { limits: { concurrency: 4 } });
    expect(p.status).toBe(200);
    expect(KeyResponse.parse(p.json).limits.concurrency).toBe(4);
  });
});
