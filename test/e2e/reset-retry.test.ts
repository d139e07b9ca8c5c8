// A connection the backend resets before any response byte (a stale keep-alive socket, a
// backend restarting) is retried once, like a refused connection, and the request counts once.
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import type { UsageCounts } from '../../src/data-plane/context.js';
import { createDataPlane, type DataPlane } from '../../src/data-plane/routes.js';
import { CHAT_BODY, postJson } from './support.js';

const ANSWER = JSON.stringify({
  id: 'c1',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
});
const OK = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${ANSWER.length}\r\n\r\n${ANSWER}`;

let closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c();
  closers = [];
});

/** A backend whose n-th POST (from 1) is reset when `reset(n)`; everything else gets ANSWER. */
async function backend(reset: (n: number) => boolean): Promise<{ url: string; requests: () => number }> {
  let n = 0;
  const sockets: Socket[] = [];
  const server = createTcpServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    socket.on('data', (d) => {
      if (!d.includes('\r\n\r\n')) return;
      // The gateway's own GET /v1/models probe is not counted.
      if (d.subarray(0, 5).toString() === 'POST ' && reset(++n)) socket.resetAndDestroy();
      else socket.write(OK);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((r) => server.close(r)), async () => sockets.forEach((s) => s.destroy()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => n };
}

async function gateway(backendUrl: string, commits: UsageCounts[]): Promise<string> {
  const dp: DataPlane = createDataPlane({
    config: loadConfig({ VLLM_BASE_URL: backendUrl, LOG_LEVEL: 'silent', PROXY_MODEL_PROFILE: 'none' }),
    keys: { findByHash: async () => ({ id: 'key-1', name: 'k' }) },
    usage: { commit: async (_id, usage) => void commits.push(usage) },
    clock: systemClock,
  });
  await dp.ready();
  const server: Server = createServer((req, res) => dp.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await dp.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('retry of a connection reset before the first byte', () => {
  it('retries once, answers with the second attempt, and counts the request once with its tokens', async () => {
    const b = await backend((n) => n === 1);
    const commits: UsageCounts[] = [];
    const url = await gateway(b.url, commits);
    const res = await postJson(url, '/v1/chat/completions', 'any', CHAT_BODY);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(ANSWER);
    expect(b.requests()).toBe(2);
    expect(commits).toEqual([{ promptTokens: 5, completionTokens: 7, cachedTokens: 0, reasoningTokens: 0 }]);
  });

  it('gives up after one retry: 502 Backend request failed, counted once without tokens', async () => {
    const b = await backend(() => true);
    const commits: UsageCounts[] = [];
    const url = await gateway(b.url, commits);
    const res = await postJson(url, '/v1/chat/completions', 'any', CHAT_BODY);
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: { message: 'Backend request failed', type: 'server_error', code: 502 } });
    expect(b.requests()).toBe(2);
    expect(commits).toEqual([{ promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 }]);
  });
});
