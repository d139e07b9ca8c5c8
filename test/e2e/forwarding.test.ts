// Forwarding: any verb and subpath, query kept, the header rules both
// ways, the path-traversal guard before auth, the body limit before the backend, 404 outside.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/harness.js';
import { CHAT_BODY, MESSAGES_BODY, postJson, rawRequest, readAll } from './support.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A backend that echoes what it received and answers with headers the gateway must filter. */
function echoBackend(): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      if (req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[{"id":"sim-model","object":"model"}]}');
        return;
      }
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      // A redirect as vLLM's server makes one (a trailing slash): to its own address, from the Host it was sent.
      if (req.url === '/v1/rerank/') {
        res.writeHead(307, { location: `http://${req.headers.host}/v1/rerank?from=slash` }).end();
        return;
      }
      // A path on the backend that, cut to what follows its origin, would name another host.
      if (req.url === '/v1/odd-redirect' || req.url === '/v1/odd-redirect-2') {
        res.writeHead(307, { location: `http://${req.headers.host}${req.url.endsWith('2') ? '/\\evil.example/y' : '//evil.example/x'}` }).end();
        return;
      }
      if (req.url === '/v1/elsewhere') {
        res.writeHead(302, { location: 'https://docs.example.com/v1/elsewhere' }).end();
        return;
      }
      const payload = JSON.stringify({ method: req.method, url: req.url });
      res.writeHead(201, [
        'Content-Type', 'application/json',
        'X-Request-Id', 'backend-request-id',
        'X-Powered-By', 'uvicorn',
        'Keep-Alive', 'timeout=5',
        'Proxy-Authenticate', 'Basic',
        'X-Backend-Header', 'kept',
        'Set-Cookie', 'a=1',
        'Set-Cookie', 'b=2',
        'Content-Length', String(Buffer.byteLength(payload)),
      ]);
      res.end(req.method === 'HEAD' ? undefined : payload);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })),
  );
}

describe('forwarding to an arbitrary backend', () => {
  let stack: Stack;
  let backend: Awaited<ReturnType<typeof echoBackend>>;
  let key: string;
  beforeAll(async () => {
    backend = await echoBackend();
    stack = await startStack({ simulator: false, env: { VLLM_BASE_URL: backend.url, VLLM_API_KEY: 'backend-secret' } });
    key = (await stack.createKey()).key;
  });
  afterAll(async () => {
    await stack?.close();
    await new Promise((r) => backend?.server.close(r));
  });

  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
    it(`forwards ${method} on any subpath with its query string as received`, async () => {
      const path = '/v1/some/deep/path?x=1&y=%2F&z';
      const r = await rawRequest(stack.gatewayUrl, {
        method,
        path,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(method === 'GET' || method === 'OPTIONS' ? {} : { body: '{"raw": true}' }),
      });
      expect(r.status).toBe(201);
      expect(JSON.parse((await readAll(r.res)).toString())).toEqual({ method, url: path });
      const last = backend.seen.at(-1);
      expect(last?.url).toBe(path);
      if (method !== 'GET' && method !== 'OPTIONS') expect(last?.body).toBe('{"raw": true}');
    });
  }

  it('forwards HEAD without a body', async () => {
    const r = await rawRequest(stack.gatewayUrl, { method: 'HEAD', path: '/v1/some/path?q=1', headers: { authorization: `Bearer ${key}` } });
    expect(r.status).toBe(201);
    expect((await readAll(r.res)).length).toBe(0);
    expect(backend.seen.at(-1)).toMatchObject({ method: 'HEAD', url: '/v1/some/path?q=1' });
  });

  it('forwards request headers minus host, x-api-key, authorization, transfer-encoding; adds the backend key', async () => {
    const r = await rawRequest(stack.gatewayUrl, {
      method: 'POST',
      path: '/v1/embeddings',
      chunked: true,
      headers: {
        'x-api-key': key,
        'content-type': 'application/json',
        'x-client-header': 'yes',
        'anthropic-version': '2023-06-01',
        'user-agent': 'test-agent',
        host: 'client.example',
      },
      body: '{"input":"hello"}',
    });
    expect(r.status).toBe(201);
    await readAll(r.res);
    const h = backend.seen.at(-1)?.headers ?? {};
    expect(h['x-client-header']).toBe('yes');
    expect(h['anthropic-version']).toBe('2023-06-01');
    expect(h['user-agent']).toBe('test-agent');
    expect(h['content-type']).toBe('application/json');
    expect(h.authorization).toBe('Bearer backend-secret');
    expect(h['x-api-key']).toBeUndefined();
    expect(h['transfer-encoding']).toBeUndefined();
    expect(h['content-length']).toBe('17');
    expect(h.host).toBe(new URL(backend.url).host);
    // Raw bytes of a non-shaped endpoint are forwarded untouched.
    expect(backend.seen.at(-1)?.body).toBe('{"input":"hello"}');
  });

  it("a backend's redirect to its own address comes back relative, so a client following it stays on the gateway; one elsewhere is kept", async () => {
    const own = await rawRequest(stack.gatewayUrl, { method: 'POST', path: '/v1/rerank/', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}' });
    await readAll(own.res);
    expect([own.status, own.headers.location]).toEqual([307, '/v1/rerank?from=slash']);
    const away = await rawRequest(stack.gatewayUrl, { method: 'GET', path: '/v1/elsewhere', headers: { authorization: `Bearer ${key}` } });
    await readAll(away.res);
    expect([away.status, away.headers.location]).toEqual([302, 'https://docs.example.com/v1/elsewhere']);
    // Left whole: made relative, `//evil.example/x` (or `/\\evil.example/y`, read the same) would send the client there.
    for (const [path, rest] of [['/v1/odd-redirect', '//evil.example/x'], ['/v1/odd-redirect-2', '/\\evil.example/y']] as const) {
      const odd = await rawRequest(stack.gatewayUrl, { method: 'GET', path, headers: { authorization: `Bearer ${key}` } });
      await readAll(odd.res);
      expect([odd.status, odd.headers.location]).toEqual([307, `${backend.url}${rest}`]);
    }
  });

  it("drops the response headers the gateway never forwards and keeps the others (repeated ones too)", async () => {
    const r = await rawRequest(stack.gatewayUrl, { method: 'GET', path: '/v1/anything', headers: { authorization: `Bearer ${key}` } });
    await readAll(r.res);
    expect(r.headers['x-backend-header']).toBe('kept');
    expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(r.headers['content-type']).toBe('application/json');
    for (const dropped of ['x-powered-by', 'proxy-authenticate']) expect(r.headers[dropped]).toBeUndefined();
    // The backend's request id is replaced by the gateway's own.
    expect(r.headers['x-request-id']).toMatch(/^req_[0-9a-z]{9}[0-9a-f]{8}$/);
    // keep-alive / connection / content-length are the gateway's own, not the backend's.
    expect(r.headers['keep-alive']).not.toBe('timeout=5');
  });
});

describe('guard, body limit, validation and not-found', () => {
  let stack: Stack;
  let key: string;
  beforeAll(async () => {
    stack = await startStack({ env: { MAX_BODY_BYTES: '2048' } });
    key = (await stack.createKey()).key;
  });
  afterAll(async () => {
    await stack?.close();
  });
  afterEach(() => stack.sim.clearRequests());

  const traversals = ['/v1/../api/keys', '/v1/%2e%2e/api/keys', '/v1/%2E%2E/x', '/v1/.%2e/x', '/v1/foo/..', '/v1/a/%2e./b', '/v1/foo%2f..%2fbar', '/v1/a/%252e%252e/b', '/v1/a\\..\\b'];
  for (const path of traversals) {
    it(`answers 400 Invalid path for ${path} before auth`, async () => {
      const r = await rawRequest(stack.gatewayUrl, { method: 'GET', path });
      expect(r.status).toBe(400);
      expect(r.headers['content-type']).toBe('application/json');
      expect(JSON.parse((await readAll(r.res)).toString())).toEqual({
        error: { message: 'Invalid path', type: 'invalid_request_error', code: 400 },
      });
    });
  }

  // What the gateway would not recognise as an endpoint but the engine, or a server in front of
  // it, routes to one: forwarded, it would skip the output cap, the limits and usage.
  for (const path of ['/v1/chat/completions#x', '/v1/./chat/completions', '/v1//chat/completions', '/v1/chat%2F%2Fcompletions', '/v1/%2e/embeddings']) {
    it(`answers 400 Invalid path for ${path} with a valid key, forwarding nothing`, async () => {
      const r = await rawRequest(stack.gatewayUrl, { method: 'POST', path, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ ...CHAT_BODY, max_tokens: 50_000 }) });
      expect(r.status).toBe(400);
      expect(JSON.parse((await readAll(r.res)).toString())).toEqual({ error: { message: 'Invalid path', type: 'invalid_request_error', code: 400 } });
      expect(stack.sim.requests).toHaveLength(0);
    });
  }

  for (const path of ['/v1/load_lora_adapter', '/v1/unload_lora_adapter', '/v1/load_lora_adapter/', '/v1/%6Coad_lora_adapter']) {
    it(`answers 403 for ${path}, an engine administration route, forwarding nothing`, async () => {
      const r = await rawRequest(stack.gatewayUrl, { method: 'POST', path, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"lora_name":"x","lora_path":"/tmp/x"}' });
      expect(r.status).toBe(403);
      expect(JSON.parse((await readAll(r.res)).toString())).toEqual({
        error: {
          message: 'This route changes the engine for every user (LoRA adapters): it is not open to API keys. Load or unload adapters on the vLLM server itself',
          type: 'permission_error',
          code: 403,
        },
      });
      expect(stack.sim.requests).toHaveLength(0);
    });
  }

  it('uses the Anthropic envelope for traversal under /v1/messages', async () => {
    const r = await rawRequest(stack.gatewayUrl, { method: 'POST', path: '/v1/messages/../../x', body: '{}' });
    expect(r.status).toBe(400);
    expect(JSON.parse((await readAll(r.res)).toString())).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'Invalid path' } });
  });

  it('does not mistake dots inside a segment or in the query for traversal', async () => {
    const r = await rawRequest(stack.gatewayUrl, { method: 'GET', path: '/v1/models?next=..', headers: { authorization: `Bearer ${key}` } });
    expect(r.status).toBe(200);
    await readAll(r.res);
    const r2 = await rawRequest(stack.gatewayUrl, { method: 'GET', path: '/v1/a..b' });
    expect(r2.status).toBe(401);
    await readAll(r2.res);
  });

  const big = JSON.stringify({ ...CHAT_BODY, messages: [{ role: 'user', content: 'x'.repeat(3000) }] });
  for (const chunked of [false, true]) {
    it(`answers 413 for a body over MAX_BODY_BYTES (${chunked ? 'chunked' : 'Content-Length'}) without contacting the backend`, async () => {
      const r = await rawRequest(stack.gatewayUrl, {
        method: 'POST',
        path: '/v1/chat/completions',
        chunked,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: big,
      });
      expect(r.status).toBe(413);
      expect(r.headers['content-type']).toBe('application/json');
      expect(JSON.parse((await readAll(r.res)).toString())).toEqual({
        error: { message: 'Request body too large', type: 'invalid_request_error', code: 413 },
      });
      expect(stack.sim.requests).toHaveLength(0);
    });
  }

  it('answers 413 on /v1/messages in the Anthropic envelope', async () => {
    const res = await postJson(stack.gatewayUrl, '/v1/messages', undefined, { ...MESSAGES_BODY, system: 'x'.repeat(3000) }, { 'x-api-key': key });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'request_too_large', message: 'Request body too large' } });
  });

  const invalid: ReadonlyArray<[string, string, string | object, string]> = [
    ['/v1/chat/completions', 'not JSON', '{"model":', 'Request body must be valid JSON'],
    ['/v1/chat/completions', 'an array body', '[]', 'Request body must be a JSON object'],
    ['/v1/chat/completions', 'a string max_tokens', { ...CHAT_BODY, max_tokens: '100' }, 'max_tokens must be a non-negative integer'],
    ['/v1/chat/completions', 'a boolean max_tokens', { ...CHAT_BODY, max_tokens: true }, 'max_tokens must be a non-negative integer'],
    ['/v1/chat/completions', 'a fractional max_completion_tokens', { ...CHAT_BODY, max_completion_tokens: 1.5 }, 'max_completion_tokens must be a non-negative integer'],
    ['/v1/responses', 'a negative max_output_tokens', { input: 'x', max_output_tokens: -1 }, 'max_output_tokens must be a non-negative integer'],
    ['/v1/responses', 'a background response', { input: 'x', background: true }, 'background responses are not served through this gateway (their generation could not be metered): send the request without background, streamed for a long one'],
    ['/v1/chat/completions', 'a numeric model', { ...CHAT_BODY, model: 7 }, 'model must be a string'],
    ['/v1/chat/completions', 'a string stream', { ...CHAT_BODY, stream: 'yes' }, 'stream must be a boolean'],
    ['/v1/chat/completions', 'no messages', { model: 'sim-model' }, 'messages must be an array'],
    ['/v1/chat/completions', 'a string include_usage', { ...CHAT_BODY, stream: true, stream_options: { include_usage: 'false' } }, 'stream_options.include_usage must be a boolean'],
    ['/v1/completions', 'a numeric include_usage', { model: 'sim-model', prompt: 'x', stream: true, stream_options: { include_usage: 0 } }, 'stream_options.include_usage must be a boolean'],
  ];
  for (const [path, name, body, message] of invalid) {
    it(`answers 400 for ${name} on ${path}, naming the field`, async () => {
      const res = await postJson(stack.gatewayUrl, path, key, body);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: { message, type: 'invalid_request_error', code: 400 } });
      expect(stack.sim.requests).toHaveLength(0);
    });
  }

  it('a backend error in OpenAI\'s envelope on /v1/messages reaches the client in Anthropic\'s; one in Anthropic\'s gets Anthropic\'s type; errors on other paths go as they are', async () => {
    const noBudget = await postJson(stack.gatewayUrl, '/v1/messages', key, { model: 'sim-model', messages: [{ role: 'user', content: 'hi' }] });
    expect(noBudget.status).toBe(400);
    const text = await noBudget.text();
    expect(JSON.parse(text)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
    expect(noBudget.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(noBudget.headers.get('content-type')).toBe('application/json');
    const anthropic = await postJson(stack.gatewayUrl, '/v1/messages', key, MESSAGES_BODY, { 'x-sim-fault': 'status:500:engine died' });
    // vLLM's Anthropic envelope carries its own type (`InternalServerError`, `Too Many Requests`): the client reads Anthropic's.
    expect([anthropic.status, await anthropic.text()]).toEqual([500, '{"type":"error","error":{"type":"api_error","message":"engine died"}}']);
    const limited = await postJson(stack.gatewayUrl, '/v1/messages', key, MESSAGES_BODY, { 'x-sim-fault': 'status:429' });
    expect([limited.status, await limited.json()]).toEqual([429, { type: 'error', error: { type: 'rate_limit_error', message: 'Simulated 429 error' } }]);
    const openai = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY, { 'x-sim-fault': 'status:503' });
    expect([openai.status, await openai.text()]).toEqual([503, '{"error":{"message":"Simulated 503 error","type":"Service Unavailable","param":null,"code":503}}']);
  });

  it('a null or empty model names none, as vLLM reads it: forwarded as sent, and the backend answers with its served model', async () => {
    for (const model of [null, '']) {
      const res = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, { ...CHAT_BODY, model });
      expect([model, res.status]).toEqual([model, 200]);
      expect(((await res.json()) as { model: string }).model).toBe('sim-model');
    }
    expect(stack.sim.requests.map((q) => (q.body as { model: unknown }).model)).toEqual([null, '']);
  });

  it('reads a body that starts with a UTF-8 byte-order mark past it, as vLLM does; a body shaping leaves alone goes as sent, mark included', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    for (const [path, body] of [['/v1/chat/completions', CHAT_BODY], ['/v1/embeddings', { model: 'sim-model', input: 'x' }]] as const) {
      const r = await rawRequest(stack.gatewayUrl, {
        method: 'POST',
        path,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: Buffer.concat([bom, Buffer.from(JSON.stringify(body))]),
      });
      expect(r.status).toBe(200);
      await readAll(r.res);
    }
    expect(stack.sim.requests.map((q) => [q.path, q.rawBody[0], (JSON.parse(q.rawBody.toString().replace(/^\uFEFF/, '')) as { model: string }).model])).toEqual([
      ['/v1/chat/completions', 0xef, 'sim-model'],
      ['/v1/embeddings', 0xef, 'sim-model'],
    ]);
  });

  it('answers 400 on /v1/messages in the Anthropic envelope', async () => {
    const res = await postJson(stack.gatewayUrl, '/v1/messages', undefined, { ...MESSAGES_BODY, max_tokens: 'many' }, { 'x-api-key': key });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens must be a non-negative integer' } });
  });

  for (const path of ['/', '/v1', '/v1?x=1', '/v1x', '/v2/models', '/favicon.ico', '/apix']) {
    it(`answers 404 Not found. Use /v1/ endpoints. for ${path}`, async () => {
      const r = await rawRequest(stack.gatewayUrl, { method: 'GET', path });
      // `/` serves the console when it is built; without it, the same 404.
      if (path === '/' && r.status === 200) return;
      expect(r.status).toBe(404);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse((await readAll(r.res)).toString())).toEqual({ error: 'Not found. Use /v1/ endpoints.' });
    });
  }
});
