// Streaming: SSE relayed as it arrives (the client has a chunk while the backend
// still holds the next), byte-exact when nothing modifies frames (Anthropic's stream gets the
// fields vLLM leaves out), comments and heartbeats
// included, the usage-only chunk withheld from clients that did not ask, and a client that
// disconnects aborts the upstream request at once.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/harness.js';
import { CHAT_BODY, COMPLETIONS_BODY, MESSAGES_BODY, RESPONSES_BODY, anthropicConformed, frames, rawRequest, readAll, readUntil, simId } from './support.js';

const ENDPOINTS: ReadonlyArray<[string, string, object]> = [
  ['chat (client asked for usage)', '/v1/chat/completions', { ...CHAT_BODY, stream: true, stream_options: { include_usage: true } }],
  ['completions (client asked for usage)', '/v1/completions', { ...COMPLETIONS_BODY, stream: true, stream_options: { include_usage: true } }],
  ['messages', '/v1/messages', { ...MESSAGES_BODY, stream: true }],
  ['responses', '/v1/responses', { ...RESPONSES_BODY, stream: true }],
];

describe('SSE relay', () => {
  let stack: Stack;
  let key: string;
  beforeAll(async () => {
    stack = await startStack();
    key = (await stack.createKey()).key;
  });
  afterAll(async () => {
    await stack?.close();
  });
  afterEach(() => stack.sim.clearRequests());

  const post = (path: string, body: object, headers: Record<string, string> = {}) =>
    rawRequest(stack.gatewayUrl, {
      method: 'POST',
      path,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  for (const [name, path, body] of [...ENDPOINTS, ['chat (usage chunk withheld)', '/v1/chat/completions', { ...CHAT_BODY, stream: true }] as const]) {
    it(`${name}: the client has the first event while the backend holds the rest`, async () => {
      const tag = `hold-${path}-${name.length}`;
      const r = await post(path, body, { 'x-sim-hold': tag, 'x-sim-hold-after': '1' });
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      const held = await stack.sim.waitForHold(tag);
      expect(held.chunks).toBe(1);
      // The first event reaches the client although the backend is paused after it.
      const first = await readUntil(r.res, (t) => t.includes('\n\n'));
      expect(frames(first)).toHaveLength(1);
      stack.sim.release(tag);
      r.res.resume();
      const rest = await readAll(r.res);
      expect(rest.length).toBeGreaterThan(0);
    });
  }

  for (const [name, path, body] of ENDPOINTS) {
    for (const chunking of ['step', 'frame', 'bytes:7', 'bytes:1']) {
      it(`${name}: relays the backend's bytes exactly (chunking ${chunking}, heartbeats every 3 events)`, async () => {
        const r = await post(path, body, { 'x-sim-chunking': chunking, 'x-sim-ping': '3', 'x-sim-tokens': '12' });
        const got = await readAll(r.res);
        const sent = stack.sim.getRequest(simId(r.headers))?.sentBytes();
        expect(sent).toBeDefined();
        // Anthropic's stream gets the fields vLLM leaves out; every other byte is the backend's.
        if (path === '/v1/messages') expect(got.toString()).toBe(anthropicConformed(sent!.toString()));
        else expect(got.equals(sent!)).toBe(true);
        expect(got.toString()).toContain(': ping\n\n');
      });
    }
  }

  for (const chunking of ['step', 'bytes:1', 'bytes:13']) {
    it(`messages: a forced tool call's stream says tool_use, every frame but the corrected ones byte-exact (chunking ${chunking})`, async () => {
      const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }];
      const r = await post('/v1/messages', { ...MESSAGES_BODY, stream: true, tools, tool_choice: { type: 'tool', name: 'get_weather' } }, { 'x-sim-chunking': chunking, 'x-sim-ping': '2' });
      const got = (await readAll(r.res)).toString();
      const sent = stack.sim.getRequest(simId(r.headers))!.sentText();
      expect(sent).toContain('"stop_reason":"end_turn"');
      expect(got).toBe(anthropicConformed(sent));
      expect(got).toContain('"stop_reason":"tool_use","stop_sequence":null');
      expect(got).toContain('"type":"message","role":"assistant"');
    });
  }

  for (const [path, body] of [
    ['/v1/chat/completions', { ...CHAT_BODY, stream: true }],
    ['/v1/completions', { ...COMPLETIONS_BODY, stream: true }],
  ] as const) {
    for (const chunking of ['step', 'bytes:5']) {
      it(`${path}: withholds only the usage-only chunk from a client that did not ask (chunking ${chunking})`, async () => {
        const r = await post(path, body, { 'x-sim-chunking': chunking, 'x-sim-ping': '4' });
        const got = (await readAll(r.res)).toString();
        const rec = stack.sim.getRequest(simId(r.headers));
        // The gateway asked the backend for usage on the client's behalf.
        expect((rec?.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true });
        const sentFrames = frames(rec!.sentText());
        const usageFrames = sentFrames.filter((f) => f.includes('"choices":[],"usage"'));
        expect(usageFrames).toHaveLength(1);
        expect(frames(got)).toEqual(sentFrames.filter((f) => !usageFrames.includes(f)));
        expect(got.endsWith('data: [DONE]\n\n')).toBe(true);
      });
    }
  }

  // vLLM reads include_usage null as false: such a client did not ask, and its usage still counts.
  for (const includeUsage of [null, false]) {
    it(`asks for usage when the client sent include_usage ${String(includeUsage)}, withholds the chunk, counts the tokens`, async () => {
      const k = await stack.createKey(`include-usage-${String(includeUsage)}`);
      const r = await rawRequest(stack.gatewayUrl, {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { authorization: `Bearer ${k.key}`, 'content-type': 'application/json', 'x-sim-tokens': '9' },
        body: JSON.stringify({ ...CHAT_BODY, stream: true, stream_options: { include_usage: includeUsage } }),
      });
      const got = (await readAll(r.res)).toString();
      const rec = stack.sim.getRequest(simId(r.headers));
      expect((rec?.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true });
      expect(got).not.toContain('"usage"');
      expect(got.endsWith('data: [DONE]\n\n')).toBe(true);
      // The tokens counted are those of the usage chunk the backend sent.
      const usageFrame = frames(rec!.sentText()).find((f) => f.includes('"choices":[],"usage"'));
      const sent = (JSON.parse(usageFrame!.slice('data: '.length)) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
      expect(sent.completion_tokens).toBeGreaterThanOrEqual(9);
      expect(await stack.usage(k.id)).toMatchObject({ requests: 1, promptTokens: sent.prompt_tokens, completionTokens: sent.completion_tokens });
    });
  }

  // vLLM applies continuous_usage_stats only with include_usage: this client gets no usage at all.
  for (const [path, body] of [
    ['/v1/chat/completions', CHAT_BODY],
    ['/v1/completions', COMPLETIONS_BODY],
  ] as const) {
    it(`${path}: include_usage false with continuous_usage_stats true: no chunk carries usage, the tokens are counted`, async () => {
      const k = await stack.createKey(`continuous-${path}`);
      const r = await rawRequest(stack.gatewayUrl, {
        method: 'POST',
        path,
        headers: { authorization: `Bearer ${k.key}`, 'content-type': 'application/json', 'x-sim-tokens': '7' },
        body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: false, continuous_usage_stats: true } }),
      });
      const got = (await readAll(r.res)).toString();
      const rec = stack.sim.getRequest(simId(r.headers));
      expect((rec?.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true, continuous_usage_stats: false });
      expect(frames(got).length).toBeGreaterThan(2);
      expect(got).not.toContain('"usage"');
      expect(got.endsWith('data: [DONE]\n\n')).toBe(true);
      const usageFrame = frames(rec!.sentText()).find((f) => f.includes('"choices":[],"usage"'));
      const sent = (JSON.parse(usageFrame!.slice('data: '.length)) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
      expect(await stack.usage(k.id)).toMatchObject({ requests: 1, promptTokens: sent.prompt_tokens, completionTokens: sent.completion_tokens });
    });
  }

  it("keeps the client's own stream_options and sends its usage chunk when it asked", async () => {
    const r = await post('/v1/chat/completions', { ...CHAT_BODY, stream: true, stream_options: { include_usage: true } });
    const got = (await readAll(r.res)).toString();
    expect(got).toContain('"choices":[],"usage"');
    const rec = stack.sim.getRequest(simId(r.headers));
    expect(rec?.rawBody.toString()).toBe(JSON.stringify({ ...CHAT_BODY, stream: true, stream_options: { include_usage: true } }));
  });

  it('aborts the upstream request at once when the client disconnects', async () => {
    const r = await post('/v1/chat/completions', { ...CHAT_BODY, stream: true }, { 'x-sim-hold': 'abort-1', 'x-sim-hold-after': '2' });
    await stack.sim.waitForHold('abort-1');
    await readUntil(r.res, (t) => frames(t).length >= 2);
    const rec = stack.sim.getRequest(simId(r.headers));
    r.res.destroy();
    // The backend sees its connection closed while it is still paused mid-stream.
    expect(await rec!.closed).toBe('aborted');
    stack.sim.release('abort-1');
  });

  it('aborts the upstream request when the client leaves during a non-streamed request', async () => {
    const r = rawRequest(stack.gatewayUrl, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-sim-ttft-ms': '60000' },
      body: JSON.stringify(CHAT_BODY),
    });
    r.catch(() => undefined);
    const rec = await stack.sim.waitForRequest((q) => q.path === '/v1/chat/completions');
    // Destroy the client's socket: find it through the gateway's server connections.
    const sockets = await new Promise<number>((resolve) => stack.app.server.getConnections((_e, n) => resolve(n)));
    expect(sockets).toBeGreaterThan(0);
    stack.app.server.closeAllConnections();
    expect(await rec.closed).toBe('aborted');
  });
});

/**
 * A backend that streams `total` bytes of 64 KiB SSE comment frames as fast as its socket
 * takes them (honouring its own backpressure), counting what it managed to write.
 */
function floodBackend(total: number): Promise<{ server: Server; url: string; written: () => number; finished: () => boolean }> {
  const frame = Buffer.from(`: ${'x'.repeat(64 * 1024 - 4)}\n\n`);
  let written = 0;
  let finished = false;
  const server = createServer((req, res) => {
    if (req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[{"id":"sim-model","object":"model"}]}');
      return;
    }
    if (req.url === '/metrics') {
      res.writeHead(404).end();
      return;
    }
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const pump = (): void => {
      while (written < total) {
        written += frame.length;
        if (!res.write(frame)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end('data: [DONE]\n\n');
      finished = true;
    };
    pump();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, written: () => written, finished: () => finished }),
    ),
  );
}

describe('backpressure', () => {
  const TOTAL = 192 * 1024 * 1024;
  let stack: Stack;
  let flood: Awaited<ReturnType<typeof floodBackend>>;
  let key: string;
  beforeAll(async () => {
    flood = await floodBackend(TOTAL);
    stack = await startStack({ simulator: false, env: { VLLM_BASE_URL: flood.url } });
    key = (await stack.createKey()).key;
  });
  afterAll(async () => {
    stack?.app.server.closeAllConnections();
    await stack?.close();
    await new Promise((r) => flood?.server.close(r));
  });

  it('a client that does not read makes the backend wait, and the gateway buffers next to nothing', async () => {
    let gatewayRes: ServerResponse | undefined;
    stack.app.server.once('request', (_req: IncomingMessage, res: ServerResponse) => {
      gatewayRes = res;
    });
    const rssBefore = process.memoryUsage().rss;
    const r = await rawRequest(stack.gatewayUrl, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...CHAT_BODY, stream: true, stream_options: { include_usage: true } }),
    });
    r.res.pause();
    // No event says "the pipe is full": poll until the backend stops making progress.
    let last = -1;
    let stable = 0;
    while (stable < 3) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const now = flood.written();
      stable = now === last ? stable + 1 : 0;
      last = now;
    }
    // Only socket buffers (kernel) hold the difference; the backend could not finish.
    expect(flood.finished()).toBe(false);
    expect(last).toBeLessThan(TOTAL / 2);
    expect(gatewayRes!.writableLength).toBeLessThan(256 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(96 * 1024 * 1024);
    // Once the client reads, everything arrives, in order and complete.
    r.res.resume();
    let received = 0;
    let tail = '';
    await new Promise<void>((resolve, reject) => {
      r.res.on('data', (c: Buffer) => {
        received += c.length;
        tail = (tail + c.toString('latin1')).slice(-64);
      });
      r.res.on('end', resolve);
      r.res.on('error', reject);
    });
    expect(flood.finished()).toBe(true);
    expect(received).toBe(TOTAL + 'data: [DONE]\n\n'.length);
    expect(tail.endsWith('data: [DONE]\n\n')).toBe(true);
  });
});
