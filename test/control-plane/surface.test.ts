import { afterEach, describe, expect, it } from 'vitest';
import { MSG } from '../../src/core/messages.js';
import { startAdminApp, type AdminApp } from './admin-app.js';

const apps: AdminApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});
async function start(env: Record<string, string> = {}): Promise<AdminApp> {
  const app = await startAdminApp({ env });
  apps.push(app);
  return app;
}

describe('/api error surface', () => {
  it('renders body-limit, bad JSON and unknown routes as {"error": …}', async () => {
    const app = await start({ MAX_BODY_BYTES: '2048' });
    const s = await app.login();
    const big = await app.request('POST', '/api/keys', { cookie: s.cookie, csrf: s.csrf, raw: JSON.stringify({ name: 'x'.repeat(4096) }) });
    expect({ status: big.status, json: big.json }).toEqual({ status: 413, json: { error: MSG.payloadTooLarge } });
    const bad = await app.request('POST', '/api/keys', { cookie: s.cookie, csrf: s.csrf, raw: '{"name": ' });
    expect({ status: bad.status, json: bad.json }).toEqual({ status: 400, json: { error: 'Invalid JSON body' } });
    const proto = await app.request('POST', '/api/keys', { cookie: s.cookie, csrf: s.csrf, raw: '{"name":"x","__proto__":{"admin":true}}' });
    expect({ status: proto.status, json: proto.json }).toEqual({ status: 400, json: { error: 'Invalid JSON body: a member named __proto__ (or constructor.prototype) is not taken' } });
    const unknown = await app.request('GET', '/api/nope', { cookie: s.cookie });
    expect({ status: unknown.status, json: unknown.json }).toEqual({ status: 404, json: { error: 'Not found: the admin API has no such route' } });
    expect(unknown.headers.get('content-type')).toMatch(/^application\/json/);
    const media = await app.request('POST', '/api/keys', { cookie: s.cookie, csrf: s.csrf, raw: 'name=x', contentType: 'application/x-www-form-urlencoded' });
    expect(media.status).toBe(415);
    expect(media.json).toEqual({ error: 'Unsupported Media Type' });
  });

  it('a malformed percent-escape in an /api URL is 400 {"error": "Invalid path"}', async () => {
    const app = await start();
    const s = await app.login();
    for (const [method, path] of [['GET', '/api/keys/%ZZ'], ['GET', '/api/requests/%ff'], ['DELETE', '/api/backends/%E0%A4%A']] as const) {
      const r = await app.request(method, path, { cookie: s.cookie, csrf: s.csrf });
      expect({ path, status: r.status, json: r.json }).toEqual({ path, status: 400, json: { error: MSG.invalidPath } });
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    }
  });

  it('a text/plain body is refused with 415, also on login (no cross-site form can post one)', async () => {
    const app = await start();
    const s = await app.login();
    const r = await app.request('POST', '/api/keys', { cookie: s.cookie, csrf: s.csrf, raw: '{"name":"as-text"}', contentType: 'text/plain' });
    expect({ status: r.status, json: r.json }).toEqual({ status: 415, json: { error: 'Unsupported Media Type' } });
    const login = await app.request('POST', '/api/login', { raw: JSON.stringify({ username: 'admin', password: 'x' }), contentType: 'text/plain' });
    expect({ status: login.status, json: login.json }).toEqual({ status: 415, json: { error: 'Unsupported Media Type' } });
  });

  it('a body nested past 128 levels is refused before it is parsed, also on login; an unknown path never parses its body', async () => {
    const app = await start();
    const deep = `{"username":${'['.repeat(200_000)}${']'.repeat(200_000)},"password":"x"}`;
    const login = await app.request('POST', '/api/login', { raw: deep });
    expect({ status: login.status, json: login.json }).toEqual({ status: 400, json: { error: 'Request body nests deeper than 128 levels of arrays and objects' } });
    // Brackets inside strings are text, not nesting.
    const text = await app.request('POST', '/api/login', { raw: JSON.stringify({ username: '['.repeat(500), password: 'not-the-password' }) });
    expect({ status: text.status, json: text.json }).toEqual({ status: 401, json: { error: 'Invalid credentials' } });
    // Malformed JSON to a path no route serves: the 404, not a parse error.
    for (const path of ['/nope', '/api/nope', '/metrics', '/healthz']) {
      const r = await app.request('POST', path, { raw: `${'['.repeat(200_000)}{"broken` });
      expect({ path, status: r.status }).toEqual({ path, status: path === '/metrics' || path === '/healthz' ? 405 : 404 });
    }
  });

  it('a bare POST with an empty JSON body is no body, not an error', async () => {
    const app = await start();
    const s = await app.login();
    const r = await app.request('POST', '/api/logout', { cookie: s.cookie, csrf: s.csrf, raw: '' });
    expect({ status: r.status, json: r.json }).toEqual({ status: 200, json: { authenticated: false } });
  });
});

describe('CORS', () => {
  it('is off without FRONTEND_URL: no CORS headers, preflight not served', async () => {
    const app = await start();
    const r = await app.request('GET', '/api/me', { headers: { origin: 'http://localhost:5173' } });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    expect(r.headers.get('access-control-allow-credentials')).toBeNull();
    const pre = await app.request('OPTIONS', '/api/keys', { headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' } });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows exactly FRONTEND_URL, with credentials, on answers and preflights', async () => {
    const app = await start({ FRONTEND_URL: 'http://localhost:5173/' });
    const ok = await app.request('GET', '/api/me', { headers: { origin: 'http://localhost:5173' } });
    expect(ok.status).toBe(401);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('vary')).toContain('Origin');
    const pre = await app.request('OPTIONS', '/api/keys/abc', {
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'content-type,x-csrf-token' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET, HEAD, POST, PATCH, DELETE');
    expect(pre.headers.get('access-control-allow-headers')).toBe('content-type,x-csrf-token');
    const other = await app.request('GET', '/api/me', { headers: { origin: 'http://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
