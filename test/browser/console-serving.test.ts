/**
 * How the gateway serves the console (src/server/static.ts) over real HTTP: index.html with
 * security headers for page navigations (deep links included), long-cached hashed assets,
 * the existing 404 JSON for everything else, and a clear page when the console is not built.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConsolePageRequest } from '../../src/server/static.js';
import { startStack, type Stack } from '../helpers/harness.js';

const INDEX = '<!doctype html><html><head><title>console</title></head><body><div id="root"></div></body></html>';
const ASSET = 'console.log("app");';
const NOT_FOUND = { error: 'Not found. Use /v1/ endpoints.' };
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('isConsolePageRequest', () => {
  it.each([
    ['GET', '/', HTML, true],
    ['GET', '/usage?from=2026-11-01', HTML, true],
    ['HEAD', '/keys', 'text/html', true],
    ['GET', '/keys', '*/*', false],
    ['GET', '/keys', undefined, false],
    ['POST', '/keys', HTML, false],
    ['GET', '/api', HTML, false],
    ['GET', '/api/keys/x', HTML, false],
    ['GET', '/v1/models', HTML, false],
    ['GET', '/metrics', HTML, false],
    ['GET', '/assets/missing.js', HTML, false],
    ['GET', '/apis', HTML, true],
  ])('%s %s (accept %s) → %s', (method, url, accept, expected) => {
    expect(isConsolePageRequest(method, url, accept)).toBe(expected);
  });
});

describe('console served by the gateway', () => {
  let dir: string;
  let stack: Stack;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'worv-console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), ASSET);
    stack = await startStack({ simulator: false, env: { CONSOLE_DIR: dir } });
  });

  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string, accept?: string, method = 'GET') =>
    fetch(`${stack.gatewayUrl}${path}`, { method, headers: accept === undefined ? {} : { accept } });

  it('answers page navigations, deep links included, with index.html and its security headers', async () => {
    for (const path of ['/', '/keys', '/usage?from=2026-11-01&to=2026-11-22', '/no/such/page']) {
      const res = await get(path, HTML);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toBe(CSP);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(await res.text()).toBe(INDEX);
    }
    const head = await get('/gpu', HTML, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('answers / itself with the page whatever the client accepts (curl, a load balancer), GET and HEAD', async () => {
    for (const accept of [undefined, '*/*', 'application/json']) {
      const res = await get('/', accept);
      expect([res.status, res.headers.get('content-type'), res.headers.get('cache-control')]).toEqual([200, 'text/html; charset=utf-8', 'no-cache']);
      expect(await res.text()).toBe(INDEX);
    }
    const head = await get('/?x=1', undefined, 'HEAD');
    expect([head.status, await head.text()]).toEqual([200, '']);
    expect((await get('/', undefined, 'POST')).status).toBe(404);
  });

  it('serves hashed assets with a year of caching', async () => {
    const res = await get('/assets/index-abc123.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await res.text()).toBe(ASSET);
  });

  it('serves files written after start (a rebuild while the gateway runs)', async () => {
    writeFileSync(join(dir, 'assets', 'index-def456.js'), ASSET);
    const res = await get('/assets/index-def456.js');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(ASSET);
  });

  it('keeps the 404 JSON for anything that is not a page navigation', async () => {
    for (const [path, accept, method] of [
      ['/nope', undefined, 'GET'],
      ['/nope', 'application/json', 'GET'],
      ['/assets/missing.js', HTML, 'GET'],
      ['/assets/', HTML, 'GET'],
      ['/keys', HTML, 'POST'],
    ] as const) {
      const res = await get(path, accept, method);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await res.json()).toEqual(NOT_FOUND);
    }
  });

  it('never answers /api, /v1 or /metrics with the console', async () => {
    const api = await get('/api/no-such-route', HTML);
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await api.json()).toEqual({ error: 'Not found: the admin API has no such route' });
    const v1 = await get('/v1/models', HTML);
    expect(v1.status).toBe(401);
    expect(v1.headers.get('content-type')).toMatch(/^application\/json/);
    const metrics = await get('/metrics', HTML);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
  });
});

describe('console not built', () => {
  let dir: string;
  let stack: Stack;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'worv-console-empty-'));
    stack = await startStack({ simulator: false, env: { CONSOLE_DIR: dir } });
  });

  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says how to build it on page navigations and keeps JSON 404s elsewhere', async () => {
    const page = await fetch(`${stack.gatewayUrl}/`, { headers: { accept: HTML } });
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('<h1>The admin console has not been built</h1>');
    const other = await fetch(`${stack.gatewayUrl}/index.html`);
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual(NOT_FOUND);
    // `/` from a client that does not ask for HTML: the JSON 404, as before the console existed.
    const root = await fetch(`${stack.gatewayUrl}/`);
    expect(root.status).toBe(404);
    expect(await root.json()).toEqual(NOT_FOUND);
  });
});
