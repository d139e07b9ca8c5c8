// A backend that refuses the gateway's own credentials (vLLM started with --api-key, the gateway
// with another VLLM_API_KEY or none): the client's key passed, so the client never gets the
// backend's 401 (its SDK would report its own key as wrong and stop). It gets 502 in its API's
// error format, the request counts with no tokens, the request log names the cause, and
// /readyz says what to fix.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import { listRequestLog } from '../../src/store/request-log.repo.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { runCli } from '../helpers/run-cli.js';
import { spawnServe } from '../helpers/serve-process.js';
import { CHAT_BODY, MESSAGES_BODY, postJson } from './support.js';

const MESSAGE = "Backend refused the gateway's credentials (its VLLM_API_KEY)";

describe('a backend that refuses the gateway\'s VLLM_API_KEY', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('502 in each API\'s format, not retried by SDKs; counted without tokens; logged as upstream_auth; /readyz names it', async () => {
    stack = await startStack({ simulator: { apiKey: 'backend-secret' }, env: { VLLM_API_KEY: 'not-the-one' } });
    const { key, id } = await stack.createKey();

    const chat = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY);
    expect(chat.status).toBe(502);
    expect(chat.headers.get('x-should-retry')).toBe('false');
    expect(await chat.json()).toEqual({ error: { message: MESSAGE, type: 'server_error', code: 502 } });

    const stream = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, { ...CHAT_BODY, stream: true });
    expect([stream.status, await stream.json()]).toEqual([502, { error: { message: MESSAGE, type: 'server_error', code: 502 } }]);

    const messages = await postJson(stack.gatewayUrl, '/v1/messages', key, MESSAGES_BODY);
    expect([messages.status, await messages.json()]).toEqual([502, { type: 'error', error: { type: 'api_error', message: MESSAGE } }]);

    const models = await fetch(`${stack.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect([models.status, await models.json()]).toEqual([502, { error: { message: MESSAGE, type: 'server_error', code: 502 } }]);

    expect(await stack.usage(id)).toEqual({ requests: 4, promptTokens: 0, completionTokens: 0 });
    await stack.app.requestLog?.writer.flush();
    const { rows } = await listRequestLog(stack.store.db, { keyId: id }, 10, undefined);
    expect(rows.map((r) => [r.endpoint, r.status, r.result, r.error]).sort()).toEqual(
      [
        ['chat', 502, 'upstream-error', 'upstream_auth'],
        ['chat', 502, 'upstream-error', 'upstream_auth'],
        ['messages', 502, 'upstream-error', 'upstream_auth'],
        ['models', 502, 'upstream-error', 'upstream_auth'],
      ].sort(),
    );

    const ready = await fetch(`${stack.gatewayUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'not ready',
      failing: [{ check: 'backend', error: "the backend refuses the gateway's credentials (401): set VLLM_API_KEY to its --api-key" }],
    });
  });

  it('a refusal whose body breaks off is still a refusal: 502 upstream_auth, not a generic backend failure', async () => {
    // A backend (or a proxy in front of it) that sends its 401 head and then drops the connection.
    const backend: Server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/v1/models') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'sim-model', object: 'model', max_model_len: 32768 }] }));
        return;
      }
      if (req.method === 'POST') {
        req.resume();
        req.on('end', () => {
          req.socket.write('HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{"error":');
          req.socket.destroy();
        });
        return;
      }
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    try {
      stack = await startStack({ simulator: false, env: { VLLM_BASE_URL: `http://127.0.0.1:${(backend.address() as AddressInfo).port}` } });
      const { key, id } = await stack.createKey();
      const chat = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY);
      expect([chat.status, chat.headers.get('x-should-retry'), await chat.json()]).toEqual([502, 'false', { error: { message: MESSAGE, type: 'server_error', code: 502 } }]);
      expect(await stack.usage(id)).toEqual({ requests: 1, promptTokens: 0, completionTokens: 0 });
      await stack.app.requestLog?.writer.flush();
      const { rows } = await listRequestLog(stack.store.db, { keyId: id }, 10, undefined);
      expect(rows.map((r) => [r.status, r.result, r.error])).toEqual([[502, 'upstream-error', 'upstream_auth']]);
    } finally {
      await stack?.close();
      stack = undefined;
      await new Promise<void>((resolve) => backend.close(() => resolve()));
    }
  });

  it('the operator is told once a minute, whether a model listing or a relayed request met the refusal first', async () => {
    const sim = createSimulator({ apiKey: 'backend-secret' });
    await sim.listen(0, '127.0.0.1');
    const dir = mkdtempSync(join(tmpdir(), 'worv-refused-'));
    try {
      const env = { PORT: '0', LOG_LEVEL: 'warn', DATABASE_URL: `sqlite:${join(dir, 'proxy.db')}`, VLLM_BASE_URL: sim.url, VLLM_API_KEY: 'not-the-one' };
      const created = await runCli(['keys', 'create', '--name', 'refused'], env);
      const key = created.stdout.trimEnd().split('\n').at(-1) ?? '';
      const serve = await spawnServe(env);
      const warned = (): number => serve.output().split('\n').filter((l) => l.includes("backend refuses the gateway's credentials")).length;
      expect(warned()).toBe(0);
      const models = await fetch(`${serve.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
      expect(models.status).toBe(502);
      await expect.poll(warned).toBe(1);
      const line = serve.output().split('\n').find((l) => l.includes("backend refuses the gateway's credentials")) ?? '';
      expect(line).toContain('answered 401: set VLLM_API_KEY to the key the backend was started with');
      const chat = await postJson(serve.url, '/v1/chat/completions', key, CHAT_BODY);
      expect(chat.status).toBe(502);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(warned()).toBe(1);
      serve.child.kill('SIGTERM');
      expect((await serve.exited).code).toBe(0);
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
