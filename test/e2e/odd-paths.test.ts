// Odd request targets outside /v1 and /api (backslashes, dot segments, encoded slashes,
// malformed escapes) get the gateway's own JSON 404: never a file, a console page, or the static
// file server's or router's own error shape.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOddPath } from '../../src/server/odd-path.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { rawRequest, readAll } from './support.js';

const NOT_FOUND = { error: 'Not found. Use /v1/ endpoints.' };

const ODD = [
  '/v1\\..\\api\\keys',
  '/v1%2f..',
  '/v1%2f..%2fapi%2fkeys',
  '/v1%5c..%5capi%5ckeys',
  '/api\\keys',
  '/api%2fkeys',
  '/..',
  '/%2e%2e/etc/passwd',
  '/%2E%2e%2fetc%2fpasswd',
  '/assets/../index.html',
  '/assets/..%2findex.html',
  '/assets/%2e%2e/index.html',
  '/./index.html',
  '/index.html/.',
  '/x/..',
  '/a\\b',
  '//evil.example/x',
  '/%zz',
  '/index.html%00',
  '/metrics/..',
  '*',
];

describe('odd paths outside /v1 and /api', () => {
  let stack: Stack;
  let consoleDir: string;
  beforeAll(async () => {
    // A console with a page and an asset, so the static file server is in play.
    consoleDir = mkdtempSync(join(tmpdir(), 'worv-console-'));
    mkdirSync(join(consoleDir, 'assets'));
    writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(consoleDir, 'assets', 'app.js'), 'console.log(1)');
    stack = await startStack({ env: { CONSOLE_DIR: consoleDir } });
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(consoleDir, { recursive: true, force: true });
  });

  for (const path of ODD) {
    for (const accept of ['*/*', 'text/html']) {
      it(`answers GET ${path} (Accept: ${accept}) with the gateway's JSON 404`, async () => {
        const r = await rawRequest(stack.gatewayUrl, { method: 'GET', path, headers: { accept } });
        expect(r.status).toBe(404);
        expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(JSON.parse((await readAll(r.res)).toString())).toEqual(NOT_FOUND);
      });
    }
  }

  it('answers POST and HEAD on an odd path with 404 too (HEAD without a body)', async () => {
    const post = await rawRequest(stack.gatewayUrl, { method: 'POST', path: '/v1\\..\\api\\keys', body: '{"name":"x"}', headers: { 'content-type': 'application/json' } });
    expect(post.status).toBe(404);
    expect(JSON.parse((await readAll(post.res)).toString())).toEqual(NOT_FOUND);
    const head = await rawRequest(stack.gatewayUrl, { method: 'HEAD', path: '/..' });
    expect(head.status).toBe(404);
    expect((await readAll(head.res)).length).toBe(0);
  });

  it('still serves plain paths: the console page, its assets, /api and /v1', async () => {
    const page = await rawRequest(stack.gatewayUrl, { method: 'GET', path: '/keys', headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect((await readAll(page.res)).toString()).toContain('<title>console</title>');
    const asset = await rawRequest(stack.gatewayUrl, { method: 'GET', path: '/assets/app.js' });
    expect(asset.status).toBe(200);
    expect((await readAll(asset.res)).toString()).toBe('console.log(1)');
    const api = await rawRequest(stack.gatewayUrl, { method: 'GET', path: '/api/keys' });
    expect(api.status).toBe(401);
    await readAll(api.res);
    const v1 = await rawRequest(stack.gatewayUrl, { method: 'GET', path: '/v1/models' });
    expect(v1.status).toBe(401);
    await readAll(v1.res);
  });

  it('leaves dots inside a segment and in the query alone', () => {
    for (const ok of ['/', '/keys', '/a..b', '/.env', '/assets/app.js', '/x?y=..&z=%2f', '/caf%C3%A9']) expect(isOddPath(ok)).toBe(false);
  });
});
