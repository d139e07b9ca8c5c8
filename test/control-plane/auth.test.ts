import { describe, expect, it } from 'vitest';
import { fixedClock } from '../helpers/clock.js';
import { MSG } from '../../src/core/messages.js';
import { setAdminPassword } from '../../src/control-plane/admin-account.js';
import { getSetting } from '../../src/store/settings.repo.js';
import { describeAdminRoute } from '../helpers/describe-admin-route.js';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import { ADMIN, appsClosedAfterEach, cookiePair, postgresStore, sqliteFileStore, type StoreSpec } from './admin-app.js';

const pgSkip = await postgresUnavailableReason();
if (pgSkip !== undefined) console.warn(`[skip postgres] ${pgSkip}`);

const { apps, specs, start } = appsClosedAfterEach();
function sharedSpec(): StoreSpec {
  const s = sqliteFileStore();
  specs.push(s);
  return s;
}

describe('POST /api/login', () => {
  it('opens a session: JSON with the CSRF token and a hardened cookie', async () => {
    const app = await start();
    const r = await app.request('POST', '/api/login', { body: ADMIN });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = r.json as { csrf_token: string };
    expect(body).toEqual({ authenticated: true, username: 'admin', csrf_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const setCookie = r.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^worv_session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_%+/=-]+; Max-Age=31536000; Path=\/api; HttpOnly; SameSite=Lax$/);
  });

  it('marks the cookie Secure when a trusted proxy says the request came over HTTPS', async () => {
    const app = await start();
    const { setCookie } = await app.login(ADMIN.username, ADMIN.password, { 'x-forwarded-proto': 'https' });
    expect(setCookie).toMatch(/; Path=\/api; HttpOnly; Secure; SameSite=Lax$/);
  });

  it('ignores X-Forwarded-Proto from a hop that is not trusted', async () => {
    const app = await start({ env: { TRUST_PROXY: 'false' } });
    const { setCookie } = await app.login(ADMIN.username, ADMIN.password, { 'x-forwarded-proto': 'https' });
    expect(setCookie).not.toContain('Secure');
  });

  it('answers 401 Invalid credentials for a wrong password or an unknown user, without a cookie', async () => {
    const app = await start();
    for (const body of [{ username: 'admin', password: 'wrong-password' }, { username: 'nobody', password: ADMIN.password }, { username: 'ADMIN', password: ADMIN.password }]) {
      const r = await app.request('POST', '/api/login', { body });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: MSG.invalidCredentials });
      expect(r.headers.get('set-cookie')).toBeNull();
    }
  });

  it('answers 400 for a malformed body', async () => {
    const app = await start();
    const cases: Array<[unknown, string]> = [
      [undefined, 'username is required'],
      [{ password: 'x' }, 'username is required'],
      [{}, 'username is required'],
      [{ username: 'admin' }, 'password is required'],
      [{ username: 7, password: 'x' }, 'username must be a string'],
      [{ username: '', password: 'x' }, 'username is required'],
      [{ username: 'admin', password: 7 }, 'password must be a string'],
      [['admin'], 'username is required'],
    ];
    for (const [body, error] of cases) {
      const r = await app.request('POST', '/api/login', body === undefined ? {} : { body });
      expect({ status: r.status, json: r.json }).toEqual({ status: 400, json: { error } });
    }
    const bad = await app.request('POST', '/api/login', { raw: '{"username":' });
    expect({ status: bad.status, json: bad.json }).toEqual({ status: 400, json: { error: 'Invalid JSON body' } });
    // Valid JSON, refused for a member that could reach an object's prototype: said so.
    const proto = await app.request('POST', '/api/login', { raw: '{"username":"admin","password":"x","__proto__":{"a":1}}' });
    expect({ status: proto.status, json: proto.json }).toEqual({ status: 400, json: { error: 'Invalid JSON body: a member named __proto__ (or constructor.prototype) is not taken' } });
  });

  it('replaces a session the browser already held', async () => {
    const app = await start();
    const first = await app.login();
    const r = await app.request('POST', '/api/login', { body: ADMIN, cookie: first.cookie });
    expect(r.status).toBe(200);
    expect((await app.request('GET', '/api/me', { cookie: first.cookie })).status).toBe(401);
    const second = cookiePair(r.headers.get('set-cookie'));
    expect((await app.request('GET', '/api/me', { cookie: second })).status).toBe(200);
  });
});

describe('GET /api/me', () => {
  it('answers 401 {"authenticated": false} while anonymous or with a bad cookie', async () => {
    const app = await start();
    for (const cookie of [undefined, 'worv_session=forged', 'worv_session=', 'other=1']) {
      const r = await app.request('GET', '/api/me', cookie === undefined ? {} : { cookie });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ authenticated: false });
    }
  });

  it('reports the session and its CSRF token', async () => {
    const app = await start();
    const s = await app.login();
    const r = await app.request('GET', '/api/me', { cookie: s.cookie });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ authenticated: true, username: 'admin', csrf_token: s.csrf });
  });

  it('rejects a cookie whose signature was tampered with', async () => {
    const app = await start();
    const s = await app.login();
    const [name, value = ''] = s.cookie.split('=');
    const [token = '', sig = ''] = value.split('.');
    const flipped = `${name}=${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}.${sig}`;
    expect((await app.request('GET', '/api/me', { cookie: flipped })).status).toBe(401);
  });

  it('expires the session after 365 days', async () => {
    const clock = fixedClock(Date.parse('2026-01-01T00:00:00Z'));
    const app = await start({ clock });
    const s = await app.login();
    clock.advance(365 * 86_400_000 - 1000);
    expect((await app.request('GET', '/api/me', { cookie: s.cookie })).status).toBe(200);
    clock.advance(1000);
    expect((await app.request('GET', '/api/me', { cookie: s.cookie })).status).toBe(401);
  });
});

describe('POST /api/logout', () => {
  it('ends the session (revoked in the store) and clears the cookie', async () => {
    const app = await start();
    const s = await app.login();
    const r = await app.request('POST', '/api/logout', { cookie: s.cookie, csrf: s.csrf });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ authenticated: false });
    expect(r.headers.get('set-cookie')).toMatch(/^worv_session=; Max-Age=0; Path=\/api; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax$/);
    expect((await app.request('GET', '/api/me', { cookie: s.cookie })).json).toEqual({ authenticated: false });
    expect(await app.store.db.selectFrom('sessions').selectAll().execute()).toEqual([]);
  });

  describeAdminRoute({ method: 'POST', path: '/api/logout' });
});

describe('sessions live in the store', () => {
  it('survive a restart: the generated secret is persisted and reused', async () => {
    const spec = sharedSpec();
    const first = await start({ storeSpec: spec });
    const s = await first.login();
    const secret = await getSetting(first.store.db, 'session_secret');
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await first.close();
    apps.splice(0);
    const second = await start({ storeSpec: spec, seedAdmin: false });
    expect(await getSetting(second.store.db, 'session_secret')).toBe(secret);
    expect((await second.request('GET', '/api/me', { cookie: s.cookie })).json).toEqual({ authenticated: true, username: 'admin', csrf_token: s.csrf });
  });

  it('work across replicas sharing the store, and logout on one ends it on all', async () => {
    const spec = sharedSpec();
    const a = await start({ storeSpec: spec });
    const b = await start({ storeSpec: spec, seedAdmin: false });
    const s = await a.login();
    expect((await b.request('GET', '/api/keys', { cookie: s.cookie })).status).toBe(200);
    expect((await b.request('POST', '/api/logout', { cookie: s.cookie, csrf: s.csrf })).status).toBe(200);
    expect((await a.request('GET', '/api/keys', { cookie: s.cookie })).status).toBe(401);
  });

  it.skipIf(pgSkip !== undefined)('work across replicas sharing Postgres, which agree on the generated secret', async () => {
    const spec = postgresStore();
    specs.push(spec);
    const a = await start({ storeSpec: spec });
    const b = await start({ storeSpec: spec, seedAdmin: false });
    const s = await b.login();
    expect((await a.request('GET', '/api/me', { cookie: s.cookie })).json).toEqual({ authenticated: true, username: 'admin', csrf_token: s.csrf });
    expect((await a.request('POST', '/api/keys', { cookie: s.cookie, csrf: s.csrf, body: { name: 'pg' } })).status).toBe(201);
    expect((await a.request('POST', '/api/logout', { cookie: s.cookie, csrf: s.csrf })).status).toBe(200);
    expect((await b.request('GET', '/api/me', { cookie: s.cookie })).status).toBe(401);
  });

  it('SESSION_SECRET, when set, signs the cookie and is not stored', async () => {
    const spec = sharedSpec();
    const a = await start({ storeSpec: spec, env: { SESSION_SECRET: 'operator-chosen-secret-0123456789' } });
    const s = await a.login();
    expect(await getSetting(a.store.db, 'session_secret')).toBeUndefined();
    await a.close();
    apps.splice(0);
    const other = await start({ storeSpec: spec, seedAdmin: false, env: { SESSION_SECRET: 'a-different-secret-0123456789abc' } });
    expect((await other.request('GET', '/api/me', { cookie: s.cookie })).status).toBe(401);
  });

  it('a password change revokes the user’s sessions; re-applying the same password does not', async () => {
    const app = await start();
    const s = await app.login();
    expect(await setAdminPassword(app.store, app.clock, 'admin', ADMIN.password)).toBe('unchanged');
    expect((await app.request('GET', '/api/me', { cookie: s.cookie })).status).toBe(200);
    expect(await setAdminPassword(app.store, app.clock, 'admin', 'a-new-password')).toBe('updated');
    expect((await app.request('GET', '/api/me', { cookie: s.cookie })).status).toBe(401);
    expect((await app.request('POST', '/api/login', { body: ADMIN })).status).toBe(401);
    expect((await app.request('POST', '/api/login', { body: { username: 'admin', password: 'a-new-password' } })).status).toBe(200);
  });
});

describe('ADMIN_USERNAME / ADMIN_PASSWORD', () => {
  it('creates that admin user at start', async () => {
    const app = await start({ seedAdmin: false, env: { ADMIN_USERNAME: 'ops', ADMIN_PASSWORD: 'ops-password-1' } });
    expect((await app.request('POST', '/api/login', { body: { username: 'ops', password: 'ops-password-1' } })).status).toBe(200);
  });
});
