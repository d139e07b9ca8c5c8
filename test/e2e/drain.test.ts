// Graceful drain on SIGTERM: closing the app (what `serve` does on SIGTERM) stops
// new connections but lets a running stream finish, with its usage committed.
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/harness.js';

interface Answer {
  readonly status: number;
  readonly connection: string | undefined;
  readonly reused: boolean;
  readonly body: string;
}

/** One chat request through `agent` (keep-alive, one connection); `onHead` runs when the head arrives. */
function chat(agent: Agent, url: string, key: string, opts: { stream?: boolean; ttftMs?: number; onHead?: () => void } = {}): Promise<Answer> {
  const { port } = new URL(url);
  const body = JSON.stringify({ model: 'sim-model', stream: opts.stream === true, messages: [{ role: 'user', content: 'hi' }] });
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    if (opts.ttftMs !== undefined) headers['x-sim-ttft-ms'] = String(opts.ttftMs);
    const req = request({ agent, host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', headers }, (res) => {
      opts.onHead?.();
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, reused: req.reusedSocket, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('graceful drain', () => {
  it('finishes an in-flight stream and commits its usage while refusing new connections', async () => {
    stack = await startStack({ simulator: { model: 'sim-model', tokens: 12, itlMs: 40, reasoning: false } });
    const { id, key } = await stack.createKey();
    const res = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-model', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);

    const closing = stack.app.close();
    // New connections are refused once the listener is closed.
    await expect(fetch(`${stack.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).rejects.toThrow();

    let text = new TextDecoder().decode(first.value);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await closing;
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const usage = await stack.usage(id);
    expect(usage.requests).toBe(1);
    expect(usage.completionTokens).toBe(12);
  });

  it('answers a request waiting for its first token when the drain starts with Connection: close; the next request finds the listener closed', async () => {
    stack = await startStack({ simulator: { model: 'sim-model', tokens: 4, reasoning: false } });
    const { id, key } = await stack.createKey();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const warm = await chat(agent, stack.gatewayUrl, key);
    expect([warm.status, warm.connection]).toEqual([200, 'keep-alive']);

    const waiting = chat(agent, stack.gatewayUrl, key, { ttftMs: 400 });
    await new Promise((r) => setTimeout(r, 150));
    const closing = stack.app.close();
    const answer = await waiting;
    expect([answer.status, answer.connection, answer.reused]).toEqual([200, 'close', true]);
    expect(JSON.parse(answer.body).usage.completion_tokens).toBe(4);
    // Its connection ended with it: the next request needs a new one, which nothing accepts.
    await expect(chat(agent, stack.gatewayUrl, key)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await closing;
    expect((await stack.usage(id)).requests).toBe(2);
  });

  it('a stream under way when the drain starts said keep-alive: the request its client sends next on that connection is answered (Connection: close), not reset', async () => {
    stack = await startStack({ simulator: { model: 'sim-model', tokens: 12, itlMs: 30, reasoning: false } });
    const { id, key } = await stack.createKey();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let closing: Promise<void> | undefined;
    const streamed = await chat(agent, stack.gatewayUrl, key, {
      stream: true,
      onHead: () => {
        closing = stack!.app.close();
      },
    });
    expect([streamed.status, streamed.connection]).toEqual([200, 'keep-alive']);
    expect(streamed.body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    // An agent's next turn, sent after a tool ran for a moment, on the same connection.
    await new Promise((r) => setTimeout(r, 300));
    const next = await chat(agent, stack.gatewayUrl, key);
    expect([next.status, next.connection, next.reused]).toEqual([200, 'close', true]);
    await expect(chat(agent, stack.gatewayUrl, key)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await closing;
    expect((await stack.usage(id)).requests).toBe(2);
  });

  it('two requests pipelined on one connection when the drain starts: both answered, the last with Connection: close; each counted once', async () => {
    stack = await startStack({ simulator: { model: 'sim-model', tokens: 4, reasoning: false } });
    const { id, key } = await stack.createKey();
    const body = JSON.stringify({ model: 'sim-model', messages: [{ role: 'user', content: 'hi' }] });
    const raw = (ttftMs: number): string =>
      `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\n` +
      `x-sim-ttft-ms: ${ttftMs}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const socket = connect(Number(new URL(stack.gatewayUrl).port), '127.0.0.1');
    let got = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (got += d));
    const closed = new Promise((r) => socket.on('close', r));
    socket.write(raw(400) + raw(600));
    await new Promise((r) => setTimeout(r, 150));
    const closing = stack.app.close();
    await closed;
    await closing;
    const heads = got.match(/HTTP\/1\.1 \d+ \w+|connection: [\w-]+/gi);
    expect(heads).toEqual(['HTTP/1.1 200 OK', 'Connection: keep-alive', 'HTTP/1.1 200 OK', 'connection: close']);
    expect(stack.app.dataPlane.inFlight()).toBe(0);
    expect((await stack.usage(id)).requests).toBe(2);
  });

  it('a connection that never sent a request, or stopped midway through its headers, does not hold the drain: closed within a second or so', async () => {
    // node:http stops its own header deadline at close(): before, both kept the process up until the client left.
    stack = await startStack({ simulator: { model: 'sim-model', tokens: 4, reasoning: false } });
    const port = Number(new URL(stack.gatewayUrl).port);
    const opened = (): Promise<import('node:net').Socket> =>
      new Promise((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      });
    const silent = await opened();
    const halfway = await opened();
    halfway.write('POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n');
    const closedAt = (s: import('node:net').Socket): Promise<number> => new Promise((r) => s.once('close', () => r(performance.now())));
    const both = Promise.all([closedAt(silent), closedAt(halfway)]);
    silent.on('error', () => undefined);
    halfway.on('error', () => undefined);
    const started = performance.now();
    await stack.app.close();
    const drained = performance.now() - started;
    const [a, b] = await both;
    expect(drained).toBeLessThan(3000);
    expect(a - started).toBeLessThan(3000);
    expect(b - started).toBeLessThan(3000);
  });
});
