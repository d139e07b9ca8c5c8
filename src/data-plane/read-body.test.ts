import { createHash } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readBody } from './read-body.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A server whose handler reads each body after a microtask (as the pipeline does) and echoes what it got. */
async function echoServer(limit: number, delayMs = 0): Promise<{ server: Server; port: number }> {
  const server = createServer((req: IncomingMessage, res) => {
    const go = (): void => {
      readBody(req, limit).then(
        (b) => res.end(JSON.stringify({ len: b?.length ?? -1, sha: b === undefined ? '' : sha256(b), complete: req.complete })),
        (err: unknown) => {
          res.statusCode = 413;
          res.end(err instanceof Error ? err.message : 'error');
        },
      );
    };
    if (delayMs > 0) setTimeout(go, delayMs);
    else void Promise.resolve().then(go);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

function post(port: number, parts: readonly Buffer[], headers: Record<string, string>, gapMs = 0): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    let i = 0;
    const next = (): void => {
      const p = parts[i++];
      if (p === undefined) {
        req.end();
        return;
      }
      req.write(p);
      if (gapMs > 0) setTimeout(next, gapMs);
      else next();
    };
    next();
  });
}

describe('readBody', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    server = undefined;
  });

  const expectEcho = (res: { status: number; body: string }, whole: Buffer): void => {
    expect(res.status).toBe(200);
    const got = JSON.parse(res.body) as { len: number; sha: string };
    expect(got).toMatchObject({ len: whole.length, sha: sha256(whole) });
  };

  it('reads a body that came whole with its headers, and one that trickles in', async () => {
    const s = await echoServer(1000);
    server = s.server;
    const whole = Buffer.from('{"model":"m","messages":[]}');
    expectEcho(await post(s.port, [whole], { 'content-length': String(whole.length) }), whole);
    const parts = [Buffer.from('{"model":'), Buffer.from('"m","messages"'), Buffer.from(':[]}')];
    expectEcho(await post(s.port, parts, { 'content-length': String(whole.length) }, 20), whole);
    expectEcho(await post(s.port, parts, { 'transfer-encoding': 'chunked' }, 20), whole);
    expectEcho(await post(s.port, parts, { 'transfer-encoding': 'chunked' }), whole);
  });

  it('reads bodies already complete in several buffered chunks, and an empty chunked body', async () => {
    const s = await echoServer(1_000_000, 30);
    server = s.server;
    const parts = Array.from({ length: 5 }, (_, i) => Buffer.alloc(70_000, 97 + i));
    const whole = Buffer.concat(parts);
    expectEcho(await post(s.port, parts, { 'content-length': String(whole.length) }), whole);
    // The same arriving over time.
    expectEcho(await post(s.port, parts, { 'content-length': String(whole.length) }, 15), whole);
    const empty = await post(s.port, [], { 'transfer-encoding': 'chunked' });
    expect(JSON.parse(empty.body)).toMatchObject({ len: 0 });
  });

  it('refuses a chunked body over the limit with 413, whether it is complete or still arriving', async () => {
    const s = await echoServer(10, 30);
    server = s.server;
    const big = [Buffer.alloc(8, 120), Buffer.alloc(8, 121)];
    expect((await post(s.port, big, { 'transfer-encoding': 'chunked' })).status).toBe(413);
    expect((await post(s.port, big, { 'transfer-encoding': 'chunked' }, 60)).status).toBe(413);
  });
});
