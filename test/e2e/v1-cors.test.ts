// Browsers calling /v1 from another origin: the gateway answers the preflight itself (no key
// needed, the backend not asked), marks answers and errors readable by the allowed origin, and
// keeps the backend's own CORS headers out. PROXY_CORS_ORIGINS narrows it to a list or turns it off.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/harness.js';
import { CHAT_BODY, postJson } from './support.js';

const APP = 'https://chat.example.com';

function preflight(url: string, origin: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-stainless-os' },
  });
}

const cors = (res: Response): Record<string, string | null> =>
  Object.fromEntries(['access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers', 'access-control-max-age', 'access-control-expose-headers', 'vary'].map((h) => [h, res.headers.get(h)]));

describe('/v1 from a browser (CORS)', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('by default any origin: the preflight is answered without a key or the backend; answers and a 401 are readable', async () => {
    stack = await startStack();
    const { key } = await stack.createKey();
    const before = stack.sim.requests.length;
    const pre = await preflight(stack.gatewayUrl, APP);
    expect(pre.status).toBe(204);
    expect(cors(pre)).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
      'access-control-allow-headers': 'authorization,content-type,x-stainless-os',
      'access-control-max-age': '86400',
      'access-control-expose-headers': null,
      vary: 'Access-Control-Request-Headers',
    });
    expect(stack.sim.requests.length).toBe(before);

    const chat = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY, { origin: APP });
    expect(chat.status).toBe(200);
    expect([chat.headers.get('access-control-allow-origin'), chat.headers.get('access-control-expose-headers'), chat.headers.get('x-request-id')?.startsWith('req_')]).toEqual(['*', '*', true]);
    await chat.arrayBuffer();
    const stream = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, { ...CHAT_BODY, stream: true }, { origin: APP });
    expect([stream.status, stream.headers.get('access-control-allow-origin')]).toEqual([200, '*']);
    expect(await stream.text()).toContain('data: [DONE]');
    const refused = await postJson(stack.gatewayUrl, '/v1/chat/completions', undefined, CHAT_BODY, { origin: APP });
    expect([refused.status, refused.headers.get('access-control-allow-origin')]).toEqual([401, '*']);
    await refused.arrayBuffer();
    // Without an Origin (every non-browser client) nothing is added.
    const plain = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY);
    expect([plain.status, plain.headers.get('access-control-allow-origin')]).toEqual([200, null]);
    await plain.arrayBuffer();
  });

  it('a list of origins: the named one is echoed, another gets no CORS headers and nothing forwarded; every answer says Vary: Origin', async () => {
    stack = await startStack({ env: { PROXY_CORS_ORIGINS: `${APP},http://localhost:5173` } });
    const { key } = await stack.createKey();
    const pre = await preflight(stack.gatewayUrl, APP);
    expect([pre.status, pre.headers.get('access-control-allow-origin'), pre.headers.get('vary')]).toEqual([204, APP, 'Origin, Access-Control-Request-Headers']);
    const before = stack.sim.requests.length;
    const other = await preflight(stack.gatewayUrl, 'https://evil.example');
    expect(other.status).toBe(204);
    expect(cors(other)).toEqual({
      'access-control-allow-origin': null,
      'access-control-allow-methods': null,
      'access-control-allow-headers': null,
      'access-control-max-age': null,
      'access-control-expose-headers': null,
      vary: 'Origin',
    });
    expect(stack.sim.requests.length).toBe(before);
    const named = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY, { origin: 'http://localhost:5173' });
    expect([named.status, named.headers.get('access-control-allow-origin'), named.headers.get('vary')]).toEqual([200, 'http://localhost:5173', 'Origin']);
    await named.arrayBuffer();
    const unnamed = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY, { origin: 'https://evil.example' });
    expect([unnamed.status, unnamed.headers.get('access-control-allow-origin'), unnamed.headers.get('vary')]).toEqual([200, null, 'Origin']);
    await unnamed.arrayBuffer();
    // The answer depends on Origin, so a cache is told so also when none was sent.
    const plain = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY);
    expect([plain.status, plain.headers.get('access-control-allow-origin'), plain.headers.get('vary')]).toEqual([200, null, 'Origin']);
    await plain.arrayBuffer();
  });

  it('off: a preflight is a request like any other (401 without a key), and no CORS header is added', async () => {
    stack = await startStack({ env: { PROXY_CORS_ORIGINS: 'off' } });
    const { key } = await stack.createKey();
    const pre = await preflight(stack.gatewayUrl, APP);
    expect([pre.status, pre.headers.get('access-control-allow-origin')]).toEqual([401, null]);
    await pre.arrayBuffer();
    const chat = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY, { origin: APP });
    expect([chat.status, chat.headers.get('access-control-allow-origin')]).toEqual([200, null]);
    await chat.arrayBuffer();
  });

  it("the backend's own CORS headers are not relayed: the gateway's setting decides; its Vary keeps Origin beside it", async () => {
    // A backend that allows every origin with credentials, as a misconfigured one might, and varies by encoding.
    const backend: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const body = req.url === '/v1/models' ? { object: 'list', data: [{ id: 'm', object: 'model', max_model_len: 32768 }] } : { id: 'x', object: 'chat.completion', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } };
        res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true', 'access-control-expose-headers': 'x-secret', vary: 'Accept-Encoding' });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    try {
      stack = await startStack({ simulator: false, env: { VLLM_BASE_URL: `http://127.0.0.1:${(backend.address() as AddressInfo).port}`, PROXY_CORS_ORIGINS: APP } });
      const { key } = await stack.createKey();
      const other = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { origin: 'https://evil.example' });
      expect(other.status).toBe(200);
      expect([other.headers.get('access-control-allow-origin'), other.headers.get('access-control-allow-credentials'), other.headers.get('access-control-expose-headers')]).toEqual([null, null, null]);
      expect(other.headers.get('vary')).toBe('Accept-Encoding, Origin');
      await other.arrayBuffer();
      const named = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { origin: APP });
      expect([named.headers.get('access-control-allow-origin'), named.headers.get('access-control-allow-credentials'), named.headers.get('access-control-expose-headers')]).toEqual([APP, null, '*']);
      expect(named.headers.get('vary')).toBe('Accept-Encoding, Origin');
      await named.arrayBuffer();
      // The model list is the gateway's own answer: Origin alone.
      const models = await fetch(`${stack.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}`, origin: APP } });
      expect([models.status, models.headers.get('vary'), models.headers.get('access-control-allow-origin')]).toEqual([200, 'Origin', APP]);
      await models.arrayBuffer();
    } finally {
      await stack?.close();
      stack = undefined;
      await new Promise<void>((resolve) => backend.close(() => resolve()));
    }
  });
});
