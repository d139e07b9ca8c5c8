// PROXY_TOKENIZE_ESTIMATE (a more exact input estimate from the backend's /tokenize): capping
// uses the backend's count instead of utf8_bytes(payload_text)//3, for every capped request (`on`) or
// only for one the context window would cap by the heuristic (`auto`, the default), and falls
// back to the heuristic when the backend has no /tokenize or is slow.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { factsOf } from '../../src/data-plane/parse.js';
import { createTokenizeEstimator } from '../../src/data-plane/input-estimate.js';
import { createUpstream, type Upstream } from '../../src/data-plane/upstream/client.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { postJson, simId } from './support.js';

const LIVE = 'DeepSeek-V4-Pro';
const LONG = [{ role: 'user', content: 'abc '.repeat(3000) }]; // 12,000 characters
const BODY = { model: LIVE, max_tokens: 4000, messages: LONG };
const CONTEXT = 8000;
const HEURISTIC_CAP = CONTEXT - Math.floor(factsOf('chat', BODY).payloadBytes / 3) - 512;

/** A backend with /v1/models and chat, whose /tokenize answers `tokenize` (or never, for 'hang'). */
function fakeBackend(tokenize: number | 'hang'): Promise<{ server: Server; url: string; tokenizeCalls: () => number; chats: unknown[] }> {
  let calls = 0;
  const chats: unknown[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      if (req.url === '/v1/models') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: LIVE, object: 'model' }] }));
      if (req.url === '/tokenize') {
        calls++;
        if (tokenize === 'hang') return;
        return void res.writeHead(tokenize, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
      }
      if (req.method !== 'POST') return void res.writeHead(404).end(); // engine-metrics scrapes
      chats.push(JSON.parse(Buffer.concat(parts).toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"chat.completion","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tokenizeCalls: () => calls, chats })),
  );
}

describe('capping with the /tokenize estimate', () => {
  let stack: Stack | undefined;
  let server: Server | undefined;
  let upstream: Upstream | undefined;
  afterEach(async () => {
    await stack?.close();
    await upstream?.close();
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise((r) => server?.close(r));
    }
    stack = undefined;
    server = undefined;
    upstream = undefined;
  });

  it('on: the backend’s count replaces utf8_bytes(payload_text)//3', async () => {
    stack = await startStack({ simulator: { model: LIVE, maxModelLen: 262_144, tokens: 2 }, env: { PROXY_TOKENIZE_ESTIMATE: 'on', MAX_CONTEXT_TOKENS: String(CONTEXT) } });
    const { key } = await stack.createKey();
    const direct = await fetch(`${stack.sim.url}/tokenize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: LONG, add_generation_prompt: true }) });
    const count = ((await direct.json()) as { count: number }).count;
    const want = Math.min(4000, CONTEXT - count - 512);
    expect(want).not.toBe(HEURISTIC_CAP);

    const res = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, BODY);
    expect(res.status).toBe(200);
    expect((stack.sim.getRequest(simId(res.headers))?.body as { max_tokens: number }).max_tokens).toBe(want);
    const asked = stack.sim.requests.filter((r) => r.path === '/tokenize');
    expect(asked.length).toBe(2); // ours above, and the gateway's
    expect((asked[1]?.body as Record<string, unknown>).model).toBeUndefined();
  });

  it('auto (default): a request the window would cap is counted by the backend; one far from the window is not asked about', async () => {
    stack = await startStack({ simulator: { model: LIVE, maxModelLen: 262_144, tokens: 2 }, env: { MAX_CONTEXT_TOKENS: String(CONTEXT) } });
    const { key } = await stack.createKey();
    const direct = await fetch(`${stack.sim.url}/tokenize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: LONG, add_generation_prompt: true }) });
    const count = ((await direct.json()) as { count: number }).count;
    stack.sim.clearRequests();

    const near = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, BODY);
    expect(near.status).toBe(200);
    expect((stack.sim.getRequest(simId(near.headers))?.body as { max_tokens: number }).max_tokens).toBe(Math.min(4000, CONTEXT - count - 512));
    expect(stack.sim.requests.filter((r) => r.path === '/tokenize')).toHaveLength(1);

    // 2,000 tokens asked of a short prompt: the window leaves room whatever the count.
    const far = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, { model: LIVE, max_tokens: 2000, messages: [{ role: 'user', content: 'hi' }] });
    expect(far.status).toBe(200);
    expect(far.headers.get('x-worv-max-tokens-capped')).toBeNull();
    expect(stack.sim.requests.filter((r) => r.path === '/tokenize')).toHaveLength(1);
  });

  it('a Chinese prompt counts a token a character: near the window, auto asks the backend; off caps by that count', async () => {
    // 2,000 Han characters: 2,000 tokens by three UTF-8 bytes each. Counted by characters they
    // would be 671 tokens, far from the window, and 2,000 tokens of output would be forwarded
    // uncapped beside them into a 4,000-token window.
    const han = { model: LIVE, max_tokens: 2000, messages: [{ role: 'user', content: '你好世界'.repeat(500) }] };
    const window = 4000;
    expect(factsOf('chat', han).payloadBytes).toBe('role'.length + 'user'.length + 'content'.length + 6000);
    stack = await startStack({ simulator: { model: LIVE, maxModelLen: 262_144, tokens: 2 }, env: { MAX_CONTEXT_TOKENS: String(window) } });
    const { key } = await stack.createKey();
    const auto = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, han);
    expect(auto.status).toBe(200);
    expect(stack.sim.requests.filter((r) => r.path === '/tokenize')).toHaveLength(1);
    await stack.close();

    stack = await startStack({ simulator: { model: LIVE, maxModelLen: 262_144, tokens: 2 }, env: { PROXY_TOKENIZE_ESTIMATE: 'off', MAX_CONTEXT_TOKENS: String(window) } });
    const { key: key2 } = await stack.createKey();
    const off = await postJson(stack.gatewayUrl, '/v1/chat/completions', key2, han);
    expect(off.status).toBe(200);
    const cap = window - Math.floor((15 + 6000) / 3) - 512;
    expect(off.headers.get('x-worv-max-tokens-capped')).toBe(`2000->${cap}`);
    expect((stack.sim.getRequest(simId(off.headers))?.body as { max_tokens: number }).max_tokens).toBe(cap);
  });

  it('auto on responses: instructions and input are counted by the backend, so a prompt the heuristic would refuse is served', async () => {
    stack = await startStack({ simulator: { model: LIVE, maxModelLen: 262_144, tokens: 2 }, env: { MAX_CONTEXT_TOKENS: String(CONTEXT) } });
    const { key } = await stack.createKey();
    // 25,000 characters: 8,333 tokens at a token per three bytes, over the 8,000-token window.
    const body = { model: LIVE, max_output_tokens: 1000, instructions: 'Be brief.', input: 'word '.repeat(5000) };
    expect(Math.floor(factsOf('responses', body).payloadBytes / 3)).toBeGreaterThan(CONTEXT);
    const res = await postJson(stack.gatewayUrl, '/v1/responses', key, body);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-worv-max-tokens-capped')).toBeNull();
    expect((stack.sim.getRequest(simId(res.headers))?.body as { max_output_tokens: number }).max_output_tokens).toBe(1000);
    const asked = stack.sim.requests.filter((r) => r.path === '/tokenize');
    expect(asked.map((r) => r.body)).toEqual([{ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: body.input }], add_generation_prompt: true }]);
  });

  it('off: the heuristic caps the same request', async () => {
    stack = await startStack({ simulator: { model: LIVE, maxModelLen: 262_144, tokens: 2 }, env: { PROXY_TOKENIZE_ESTIMATE: 'off', MAX_CONTEXT_TOKENS: String(CONTEXT) } });
    const { key } = await stack.createKey();
    const res = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, BODY);
    expect(res.headers.get('x-worv-max-tokens-capped')).toBe(`4000->${HEURISTIC_CAP}`);
    expect((stack.sim.getRequest(simId(res.headers))?.body as { max_tokens: number }).max_tokens).toBe(HEURISTIC_CAP);
    expect(stack.sim.requests.some((r) => r.path === '/tokenize')).toBe(false);
  });

  it('a backend without /tokenize: the heuristic applies, and it is not asked again for a while', async () => {
    const backend = await fakeBackend(404);
    server = backend.server;
    stack = await startStack({ simulator: false, env: { VLLM_BASE_URL: backend.url, PROXY_TOKENIZE_ESTIMATE: 'on', MAX_CONTEXT_TOKENS: String(CONTEXT) } });
    const { key } = await stack.createKey();
    for (let i = 0; i < 2; i++) {
      const res = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, BODY);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-worv-max-tokens-capped')).toBe(`4000->${HEURISTIC_CAP}`);
    }
    expect(backend.chats.map((c) => (c as { max_tokens: number }).max_tokens)).toEqual([HEURISTIC_CAP, HEURISTIC_CAP]);
    expect(backend.tokenizeCalls()).toBe(1);
  });

  it('a slow /tokenize: the estimator gives up after its timeout and returns no count', async () => {
    const backend = await fakeBackend('hang');
    server = backend.server;
    upstream = createUpstream({ backends: [backend.url], connectTimeoutMs: 1000 });
    const estimator = createTokenizeEstimator({ upstream, headers: [], timeoutMs: 50 });
    const req = { facts: factsOf('chat', BODY), body: BODY };
    expect(await estimator.estimate(req)).toBeUndefined();
    expect(backend.tokenizeCalls()).toBe(1);
    // Paused after the failure: the next request does not wait again.
    expect(await estimator.estimate(req)).toBeUndefined();
    expect(backend.tokenizeCalls()).toBe(1);
  });
});
