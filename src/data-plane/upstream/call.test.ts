import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { buildConnector } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createUpstream, type Upstream } from './client.js';
import type { BackendCall } from './backend-call.js';
import { classifyFailure } from './failures.js';
import { requestHeaderRules } from './headers.js';
import type { PickReplica } from './replicas.js';

const OK = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok';

let closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c();
  closers = [];
});

function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<string> {
  closers.push(() => new Promise((r) => server.close(r)));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/** A backend on raw TCP: `onRequest(n, socket)` decides what the n-th request (from 1) gets. */
async function tcpBackend(onRequest: (n: number, socket: Socket) => void): Promise<{ url: string; requests: () => number }> {
  let n = 0;
  const sockets: Socket[] = [];
  const server = createTcpServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    socket.on('data', (d) => {
      if (d.includes('\r\n\r\n')) onRequest(++n, socket);
    });
  });
  const url = await listen(server);
  closers.push(async () => sockets.forEach((s) => s.destroy()));
  return { url, requests: () => n };
}

function upstream(backends: string[], extra: Partial<Parameters<typeof createUpstream>[0]> = {}): Upstream {
  const up = createUpstream({ backends, connectTimeoutMs: 1000, ...extra });
  closers.push(() => up.close());
  return up;
}

const call = (over: Partial<BackendCall> = {}): BackendCall => ({
  method: 'POST',
  path: '/x',
  headers: ['content-type', 'text/plain'],
  body: 'hello',
  readTimeoutMs: 5000,
  facts: { purpose: 'relay', endpoint: 'other' },
  ...over,
});

describe('one call to a backend: retry before the first byte', () => {
  it('retries a connection reset before any response byte once, and the answer is the second attempt’s', async () => {
    const b = await tcpBackend((n, s) => (n === 1 ? s.resetAndDestroy() : s.end(OK)));
    const up = upstream([b.url]);
    const res = await up.fetch(call());
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('ok');
    expect(b.requests()).toBe(2);
    expect(up.replicas[0]!.outstanding).toBe(0);
  });

  it('retries a stale keep-alive socket the backend reset while it sat idle', async () => {
    const b = await tcpBackend((n, s) => (n === 2 ? s.resetAndDestroy() : s.write(OK)));
    const up = upstream([b.url]);
    expect((await up.fetch(call())).status).toBe(200);
    // The second request goes over the kept-alive socket of the first, which the backend resets.
    expect((await up.fetch(call())).status).toBe(200);
    expect(b.requests()).toBe(3);
  });

  it('gives up after one retry with the reset error', async () => {
    const b = await tcpBackend((_n, s) => s.resetAndDestroy());
    const up = upstream([b.url]);
    const err = await up.fetch(call()).catch((e: unknown) => e);
    expect(classifyFailure(err)).toBe('reset');
    expect(b.requests()).toBe(2);
  });

  it('never retries once a response byte came', async () => {
    const b = await tcpBackend((_n, s) => {
      s.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nok');
      setTimeout(() => s.resetAndDestroy(), 20);
    });
    const up = upstream([b.url]);
    await expect(up.fetch(call())).rejects.toThrow();
    expect(b.requests()).toBe(1);
  });

  it('does not retry a clean close after the request was read (the backend may be generating)', async () => {
    const b = await tcpBackend((_n, s) => s.destroy());
    const up = upstream([b.url]);
    const err = await up.fetch(call()).catch((e: unknown) => e);
    expect(classifyFailure(err)).toBe('other');
    expect(b.requests()).toBe(1);
  });

  it('retries on the other replica, and counts each replica in flight only while its attempt runs', async () => {
    const bad = await tcpBackend((_n, s) => s.resetAndDestroy());
    const good = await tcpBackend((_n, s) => s.end(OK));
    const up = upstream([bad.url, good.url], { pickReplica: (replicas, _c, avoid) => (avoid === undefined ? replicas[0]! : replicas[1]!) });
    expect((await up.fetch(call())).status).toBe(200);
    expect([bad.requests(), good.requests()]).toEqual([1, 1]);
    expect(up.replicas.map((r) => r.outstanding)).toEqual([0, 0]);
  });
});

describe('the routing seam', () => {
  it('asks the policy with the call’s facts, and may declare a 503 before any byte retryable', async () => {
    const busy = await tcpBackend((_n, s) => s.end('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\n\r\nbusy'));
    const good = await tcpBackend((_n, s) => s.end(OK));
    const seen: string[] = [];
    const pickReplica: PickReplica = (replicas, c, avoid) => {
      seen.push(`${c.purpose}:${c.endpoint}:${avoid === undefined ? '-' : 'avoid'}`);
      return avoid === replicas[0] ? replicas[1]! : replicas[0]!;
    };
    const up = upstream([busy.url, good.url], { pickReplica, retryableStatus: (status) => status === 503 });
    const res = await up.fetch(call({ facts: { purpose: 'relay', endpoint: 'chat' } }));
    expect(res.status).toBe(200);
    expect(seen).toEqual(['relay:chat:-', 'relay:chat:avoid']);
    expect(up.replicas.map((r) => r.outstanding)).toEqual([0, 0]);
  });

  it('a policy with nowhere to retry: a reset goes again to the same replica, a refusal ends the call', async () => {
    const b = await tcpBackend((n, s) => (n === 1 ? s.resetAndDestroy() : s.end(OK)));
    const nowhere: PickReplica = (replicas, _c, avoid) => (avoid === undefined ? replicas[0] : undefined);
    const up = upstream([b.url], { pickReplica: nowhere });
    expect((await up.fetch(call())).status).toBe(200);
    expect(b.requests()).toBe(2);
    // A closed port: refused once, not tried again.
    const closed = await tcpBackend(() => undefined);
    const port = new URL(closed.url).port;
    await closers.pop()!();
    await closers.pop()!();
    const refusing = upstream([`http://127.0.0.1:${port}`], { pickReplica: nowhere });
    const err = await refusing.fetch(call()).catch((e: unknown) => e);
    expect(classifyFailure(err)).toBe('connect');
    expect(refusing.replicas[0]!.retried.size).toBe(0);
  });

  it('a retryable 503 with no other replica to ask is passed through, not discarded', async () => {
    const busy = await tcpBackend((_n, s) => s.end('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\n\r\nbusy'));
    const up = upstream([busy.url], { pickReplica: (replicas, _c, avoid) => (avoid === undefined ? replicas[0] : undefined), retryableStatus: (status) => status === 503 });
    const res = await up.fetch(call({ facts: { purpose: 'relay', endpoint: 'chat' } }));
    expect([res.status, res.body.toString(), busy.requests()]).toEqual([503, 'busy', 1]);
    expect(up.replicas[0]!.outstanding).toBe(0);
  });

  it('passes a 503 through when no policy declares it retryable', async () => {
    const busy = await tcpBackend((_n, s) => s.end('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\n\r\nbusy'));
    const up = upstream([busy.url]);
    const res = await up.fetch(call());
    expect([res.status, res.body.toString(), busy.requests()]).toEqual([503, 'busy', 1]);
  });
});

describe('timeouts fire on time', () => {
  it('read timeout before the first byte: within 100 ms of the setting, not retried', async () => {
    const b = await tcpBackend(() => {});
    const up = upstream([b.url]);
    const t0 = performance.now();
    const err = await up.fetch(call({ readTimeoutMs: 1200 })).catch((e: unknown) => e);
    const took = performance.now() - t0;
    expect(classifyFailure(err)).toBe('timeout');
    expect(took).toBeGreaterThanOrEqual(1190);
    expect(took).toBeLessThan(1300);
    expect(b.requests()).toBe(1);
  });

  it('read timeout between bytes: within 100 ms of the setting after the last byte', async () => {
    const b = await tcpBackend((_n, s) => s.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nok'));
    const up = upstream([b.url]);
    const t0 = performance.now();
    const err = await up.fetch(call({ readTimeoutMs: 300 })).catch((e: unknown) => e);
    const took = performance.now() - t0;
    expect(classifyFailure(err)).toBe('timeout');
    expect(took).toBeLessThan(400);
  });

  it('connect timeout: within 100 ms of the setting, then retried once', async () => {
    let attempts = 0;
    const hang: buildConnector.connector = () => {
      attempts++; // never calls back: a SYN nobody answers
    };
    const up = upstream(['http://127.0.0.1:9'], { connectTimeoutMs: 700, connector: hang });
    const t0 = performance.now();
    const err = await up.fetch(call()).catch((e: unknown) => e);
    const took = performance.now() - t0;
    expect(classifyFailure(err)).toBe('connect');
    expect(attempts).toBe(2);
    expect(took).toBeGreaterThanOrEqual(1390);
    expect(took).toBeLessThan(1600);
  });
});

describe('request headers upstream', () => {
  it('drops Cookie, Proxy-Authorization and every header the Connection header names', () => {
    const rules = requestHeaderRules(undefined);
    const out = rules(['Cookie', 'a=1', 'Proxy-Authorization', 'Basic x', 'Connection', 'X-Hop, x-other ', 'X-Hop', '1', 'X-Other', '2', 'X-Kept', '3']);
    expect(out).toEqual(['X-Kept', '3', 'accept-encoding', 'identity']);
  });

  it('end to end: a real request carries none of them', async () => {
    let seen: Record<string, unknown> = {};
    const server = createHttpServer((req, res) => {
      seen = req.headers;
      res.end('ok');
    });
    const url = await listen(server);
    const up = upstream([url]);
    const headers = requestHeaderRules('k')(['Cookie', 'a=1', 'Proxy-Authorization', 'Basic x', 'Connection', 'x-hop', 'x-hop', '1', 'x-kept', '3']);
    await up.fetch(call({ method: 'GET', body: undefined, headers }));
    expect(seen.cookie).toBeUndefined();
    expect(seen['proxy-authorization']).toBeUndefined();
    expect(seen['x-hop']).toBeUndefined();
    expect([seen['x-kept'], seen.authorization]).toEqual(['3', 'Bearer k']);
  });
});
