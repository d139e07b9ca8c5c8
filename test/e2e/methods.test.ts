// A method a path has no route for: 405 with `Allow` (and the flat JSON error), not the 404 of
// an unknown path; a CONNECT (the gateway taken for a forward proxy) gets 405 and is closed. An
// unreadable body on a path outside /api gets the same JSON error shape as /api.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/harness.js';
import { rawRequest, readAll } from './support.js';

const NOT_FOUND = { error: 'Not found. Use /v1/ endpoints.' };
const API_NOT_FOUND = { error: 'Not found: the admin API has no such route' };

describe('methods a path does not take', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const cases: ReadonlyArray<[string, string, string]> = [
    ['PUT', '/api/keys', 'GET, HEAD, POST'],
    ['DELETE', '/api/keys?limit=1', 'GET, HEAD, POST'],
    ['PUT', '/api/keys/k_123', 'GET, HEAD, PATCH, DELETE'],
    ['POST', '/api/status', 'GET, HEAD'],
    ['GET', '/api/login', 'POST'],
    ['POST', '/metrics', 'GET, HEAD'],
    ['DELETE', '/healthz', 'GET, HEAD'],
    ['PUT', '/readyz', 'GET, HEAD'],
  ];
  for (const [method, path, allow] of cases) {
    it(`answers ${method} ${path} with 405 and Allow: ${allow}, before any session check`, async () => {
      const r = await rawRequest(stack.gatewayUrl, { method, path });
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe(allow);
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse((await readAll(r.res)).toString())).toEqual({ error: `Method ${method} not allowed here: use ${allow}` });
    });
  }

  it('answers a body it does not read on a 405 path the same way, whatever its type', async () => {
    const text = await rawRequest(stack.gatewayUrl, { method: 'PUT', path: '/api/keys', body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(405);
    await readAll(text.res);
  });

  it('keeps 404 for paths with no route at all, and for the console pages (any path is a page)', async () => {
    for (const [method, path] of [['PUT', '/api/nonexistent'], ['POST', '/keys'], ['DELETE', '/index.html'], ['POST', '/foo']] as const) {
      const r = await rawRequest(stack.gatewayUrl, { method, path });
      expect([method, path, r.status, r.headers.allow]).toEqual([method, path, 404, undefined]);
      expect(JSON.parse((await readAll(r.res)).toString())).toEqual(path.startsWith('/api/') ? API_NOT_FOUND : NOT_FOUND);
    }
  });

  it('answers an unknown path sent an empty JSON body with 404, not a body error', async () => {
    for (const method of ['DELETE', 'POST'] as const) {
      const r = await rawRequest(stack.gatewayUrl, { method, path: '/api/nothing', headers: { 'content-type': 'application/json' } });
      expect([method, r.status]).toEqual([method, 404]);
      expect(JSON.parse((await readAll(r.res)).toString())).toEqual(API_NOT_FOUND);
    }
  });

  it('answers a path or method no route takes 404 or 405 whatever its JSON body: the body is never parsed', async () => {
    const expected: Record<string, [number, unknown]> = {
      '/foo': [404, NOT_FOUND],
      '/metrics': [405, { error: 'Method PUT not allowed here: use GET, HEAD' }],
      '/api/keys': [405, { error: 'Method PUT not allowed here: use GET, HEAD, POST' }],
    };
    for (const [path, [status, body]] of Object.entries(expected)) {
      const r = await rawRequest(stack.gatewayUrl, { method: 'PUT', path, body: '{bad', headers: { 'content-type': 'application/json' } });
      expect([path, r.status, JSON.parse((await readAll(r.res)).toString())]).toEqual([path, status, body]);
    }
  });

  it('answers CONNECT with 405 and closes the connection; the gateway keeps serving', async () => {
    const { port } = new URL(stack.gatewayUrl);
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect(Number(port), '127.0.0.1', () => s.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'));
      let got = '';
      s.setEncoding('latin1');
      s.on('data', (d: string) => (got += d));
      s.on('error', reject);
      s.on('close', () => resolve(got)); // closed by the gateway: the test would time out otherwise
    });
    const body = JSON.stringify({ error: 'Method CONNECT not allowed: this server is not a forward proxy' });
    expect(answer).toBe(
      `HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    const health = await rawRequest(stack.gatewayUrl, { method: 'GET', path: '/healthz' });
    expect(health.status).toBe(200);
    await readAll(health.res);
  });
});
