// Slow and greedy clients: stalled headers or bodies get 408 and a closed socket on /v1 and /api
// within a tick of PROXY_CLIENT_TIMEOUT; progress, idle keep-alive and long generations are not
// timed; PROXY_MAX_CONNECTIONS_PER_IP refuses one address's excess connections with 429.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/harness.js';
import { until } from './support.js';

const TIMEOUT_S = 0.6;
const TIMEOUT_MS = TIMEOUT_S * 1000;
/** How late a 408 may be on a loaded test machine (the design aims at 100 ms). */
const SLACK_MS = 600;
const MESSAGE = `Request timeout: the client sent nothing for ${TIMEOUT_S} s`;

interface Outcome {
  /** Everything the server sent until it closed the connection. */
  readonly text: string;
  /** Milliseconds from the last byte written to the close. */
  readonly afterLastWrite: number;
  /** `performance.now()` at the close. */
  readonly closedAt: number;
}

/** A raw connection to the gateway on which a test writes bytes by hand. */
function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes `parts` with `gapMs` between them, then waits for the server to close. */
async function send(url: string, parts: readonly string[], gapMs = 0): Promise<Outcome> {
  const s = await open(url);
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  s.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => s.once('close', () => resolve(performance.now())));
  let last = performance.now();
  for (const [i, p] of parts.entries()) {
    if (i > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    if (s.destroyed) break;
    s.write(p);
    last = performance.now();
  }
  const end = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), TIMEOUT_MS * 4 + SLACK_MS))]);
  s.destroy();
  return { text: Buffer.concat(chunks).toString(), afterLastWrite: end < 0 ? Infinity : end - last, closedAt: end < 0 ? Infinity : end };
}

function statusOf(text: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
}

function bodyOf(text: string): unknown {
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
}

function expectOnTime(o: Outcome): void {
  expect(o.afterLastWrite).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
  expect(o.afterLastWrite).toBeLessThan(TIMEOUT_MS + SLACK_MS);
}

describe('slow clients', () => {
  let stack: Stack;
  let key: string;
  beforeAll(async () => {
    stack = await startStack({ env: { PROXY_CLIENT_TIMEOUT: String(TIMEOUT_S), PROXY_MAX_CONNECTIONS_PER_IP: '0' } });
    key = (await stack.createKey()).key;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const head = (path: string, length: number): string =>
    `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

  it('answers 408 and closes when the headers stall, on /v1 and /api', async () => {
    for (const path of ['/v1/chat/completions', '/api/keys']) {
      const o = await send(stack.gatewayUrl, [`POST ${path} HTTP/1.1\r\nHost: x\r\n`]);
      expect(statusOf(o.text), path).toBe(408);
      expect(o.text.toLowerCase()).toContain('connection: close');
      expect(bodyOf(o.text)).toEqual({ error: MESSAGE });
      expectOnTime(o);
    }
    expect(stack.sim.requests).toHaveLength(0);
  });

  it('answers a malformed request 400 and oversized headers 431, in JSON, and closes', async () => {
    const bad = await send(stack.gatewayUrl, ['NOT HTTP AT ALL\r\n\r\n']);
    expect(statusOf(bad.text)).toBe(400);
    expect(bodyOf(bad.text)).toEqual({ error: 'Bad request' });
    const big = await send(stack.gatewayUrl, [`GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]);
    expect(statusOf(big.text)).toBe(431);
    expect(bodyOf(big.text)).toEqual({ error: 'Request header fields too large' });
  });

  it('Expect: 100-continue: a body declared over the limit gets 413 without 100 Continue first; one within it gets 100 and its answer', async () => {
    for (const path of ['/v1/chat/completions', '/api/login']) {
      const over = await send(stack.gatewayUrl, [`POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 9000000000\r\n\r\n`]);
      expect(over.text.startsWith('HTTP/1.1 413 '), `${path}: ${over.text.slice(0, 40)}`).toBe(true);
    }
    const body = JSON.stringify({ model: 'sim-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
    const s = await open(stack.gatewayUrl);
    let text = '';
    s.on('data', (c: Buffer) => (text += c.toString()));
    s.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
    await until(() => text.includes('100 Continue'), 2000);
    s.write(body);
    await new Promise((resolve) => s.once('close', resolve));
    expect([...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]))).toEqual([100, 200]);
  });

  it('a request pipelined before malformed bytes gets its own answer first; the 400 comes after it, then the close', async () => {
    const body = JSON.stringify({ model: 'sim-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
    for (const bad of ['GARBAGE\r\n\r\n', `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]) {
      const o = await send(stack.gatewayUrl, [head('/v1/chat/completions', Buffer.byteLength(body)) + body + bad]);
      const statuses = [...o.text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
      expect(statuses).toEqual([200, bad.startsWith('GARBAGE') ? 400 : 431]);
      expect(o.text).toContain('"choices"');
    }
  });

  it('answers an HTTP/1.1 request without Host 400 in JSON and closes, on /v1, /api and the rest', async () => {
    for (const path of ['/v1/models', '/api/me', '/healthz']) {
      const o = await send(stack.gatewayUrl, [`GET ${path} HTTP/1.1\r\n\r\n`]);
      expect(statusOf(o.text), path).toBe(400);
      expect(o.text.toLowerCase()).toContain('connection: close');
      expect(bodyOf(o.text)).toEqual({ error: 'Bad request: HTTP/1.1 requires a Host header' });
    }
    // HTTP/1.0 needs no Host.
    const old = await send(stack.gatewayUrl, ['GET /healthz HTTP/1.0\r\n\r\n']);
    expect(statusOf(old.text.replace('HTTP/1.0', 'HTTP/1.1'))).toBe(200);
  });

  it('answers 408 to a connection that sends nothing at all', async () => {
    const o = await send(stack.gatewayUrl, []);
    expect(statusOf(o.text)).toBe(408);
    expectOnTime(o);
  });

  it('cuts headers trickled byte by byte at the deadline, counted from their first byte', async () => {
    const line = 'GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(40);
    const started = performance.now();
    const o = await send(stack.gatewayUrl, [...line], TIMEOUT_MS / 10);
    expect(statusOf(o.text)).toBe(408);
    expect(o.closedAt - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(o.closedAt - started).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  const bodyCases: ReadonlyArray<readonly [string, unknown]> = [
    ['/v1/chat/completions', { error: { message: MESSAGE, type: 'timeout_error', code: 408 } }],
    ['/v1/messages', { type: 'error', error: { type: 'timeout_error', message: MESSAGE } }],
    ['/api/login', { error: MESSAGE }],
  ];
  for (const [path, expected] of bodyCases) {
    it(`answers 408 in ${path}'s error shape and closes when the body stalls`, async () => {
      const o = await send(stack.gatewayUrl, [head(path, 200), '{"model":"sim-model",']);
      expect(statusOf(o.text)).toBe(408);
      expect(o.text.toLowerCase()).toContain('connection: close');
      expect(bodyOf(o.text)).toEqual(expected);
      expectOnTime(o);
    });
  }

  it('lets a body that keeps arriving take longer than the timeout', async () => {
    const body = JSON.stringify({ model: 'sim-model', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    const parts = [head('/v1/chat/completions', Buffer.byteLength(body)), ...(body.match(/.{1,4}/g) ?? [])];
    const started = performance.now();
    const s = await open(stack.gatewayUrl);
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    for (const p of parts) {
      s.write(p);
      await new Promise((r) => setTimeout(r, TIMEOUT_MS / 8));
    }
    expect(performance.now() - started).toBeGreaterThan(TIMEOUT_MS * 1.5);
    await new Promise<void>((resolve) => {
      const check = (): void => (Buffer.concat(chunks).toString().includes('"usage"') ? resolve() : void setTimeout(check, 20));
      check();
    });
    s.destroy();
    expect(statusOf(Buffer.concat(chunks).toString())).toBe(200);
  });

  it('keeps an idle keep-alive connection open past the timeout', async () => {
    const s = await open(stack.gatewayUrl);
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    const get = `GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n\r\n`;
    s.write(get);
    await new Promise((r) => setTimeout(r, TIMEOUT_MS * 2));
    expect(s.destroyed).toBe(false);
    s.write(get);
    await new Promise((r) => setTimeout(r, 200));
    const text = Buffer.concat(chunks).toString();
    expect(text.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    s.destroy();
  });

  it('streams a generation longer than the timeout to the end', async () => {
    const started = performance.now();
    const res = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-sim-tokens': '20', 'x-sim-itl-ms': String(TIMEOUT_MS / 8) },
      body: JSON.stringify({ model: 'sim-model', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(performance.now() - started).toBeGreaterThan(TIMEOUT_MS * 2);
    expect(text).toMatch(/"usage":\{"prompt_tokens":\d+,"total_tokens":\d+,"completion_tokens":\d+\}/);
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });
});

describe('connections per address', () => {
  let stack: Stack;
  let proxied: Stack;
  beforeAll(async () => {
    // The tests connect from 127.0.0.1, which the default TRUST_PROXY treats as a reverse proxy.
    stack = await startStack({ env: { PROXY_MAX_CONNECTIONS_PER_IP: '3', TRUST_PROXY: 'false' } });
    proxied = await startStack({ env: { PROXY_MAX_CONNECTIONS_PER_IP: '3' } });
  });
  afterAll(async () => {
    await stack?.close();
    await proxied?.close();
  });

  it('does not cap a peer that TRUST_PROXY trusts (a reverse proxy carries many clients)', async () => {
    const held = await Promise.all([1, 2, 3, 4, 5].map(() => open(proxied.gatewayUrl)));
    const o = await send(proxied.gatewayUrl, ['GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    expect(statusOf(o.text)).toBe(404);
    for (const s of held) s.destroy();
  });

  it('refuses connections over the cap with 429 and a close, and admits again once one closes', async () => {
    const held = await Promise.all([1, 2, 3].map(() => open(stack.gatewayUrl)));
    const o = await send(stack.gatewayUrl, ['GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n']);
    expect(statusOf(o.text)).toBe(429);
    expect(o.text.toLowerCase()).toContain('connection: close');
    expect(bodyOf(o.text)).toEqual({ error: 'Too many connections from this address' });
    expect(stack.sim.requests).toHaveLength(0);

    // The held connections still work.
    const first = held[0] as Socket;
    const answer = new Promise<string>((resolve) => first.once('data', (c: Buffer) => resolve(c.toString())));
    first.write('GET /nope HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(statusOf(await answer)).toBe(404);

    const closed = new Promise((r) => first.once('close', r));
    first.destroy();
    await closed;
    // The server sees the close a moment later.
    await new Promise((r) => setTimeout(r, 100));
    const again = await send(stack.gatewayUrl, ['GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    expect(statusOf(again.text)).toBe(404);
    for (const s of held) s.destroy();
  });
});
