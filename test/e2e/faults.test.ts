// Upstream faults. Connection refused → 503 `Backend unavailable`;
// read timeouts (before the first byte, or between bytes of a stream) → 504 `Backend timeout`,
// never retried; other failures → 502 `Backend request failed`; error statuses passed through.
// After the first byte a stream ends with one error frame in its dialect.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/harness.js';
import { CHAT_BODY, COMPLETIONS_BODY, MESSAGES_BODY, RESPONSES_BODY, anthropicConformed, closedPortUrl, frames, postJson, rawRequest, readAll, simId } from './support.js';

const TIMEOUT_OPENAI = { error: { message: 'Backend timeout', type: 'timeout_error', code: 504 } };
const TIMEOUT_ANTHROPIC = { type: 'error', error: { type: 'timeout_error', message: 'Backend timeout' } };

describe('upstream faults', () => {
  let stack: Stack;
  let key: string;
  beforeAll(async () => {
    stack = await startStack({ env: { PROXY_STREAM_READ_TIMEOUT: '0.3', PROXY_NONSTREAM_READ_TIMEOUT: '0.3' } });
    ({ key } = await stack.createKey());
  });
  afterAll(async () => {
    await stack?.close();
  });
  afterEach(() => {
    stack.sim.clearRequests();
  });

  const generations = () => stack.sim.requests.filter((r) => r.method === 'POST');

  it('answers 503 Backend unavailable when the backend refuses connections, in each dialect, counting the request', async () => {
    const down = await startStack({ simulator: false, env: { VLLM_BASE_URL: await closedPortUrl() } });
    try {
      await refusedEverywhere(down, '30'); // the harness probes once an hour: capped at the longest cooldown
    } finally {
      await down.close();
    }
  });

  it('says when to retry a refused backend: one PROXY_HEALTH_INTERVAL, rounded up to a whole second', async () => {
    for (const [interval, retryAfter] of [['0.5', '1'], ['5', '5']] as const) {
      const down = await startStack({ simulator: false, env: { VLLM_BASE_URL: await closedPortUrl(), PROXY_HEALTH_INTERVAL: interval } });
      try {
        await refusedEverywhere(down, retryAfter);
      } finally {
        await down.close();
      }
    }
  });

  const refusedEverywhere = async (down: Stack, retryAfter: string): Promise<void> => {
    const { key, id: keyId } = await down.createKey();
    const before = await down.usage(keyId);
    const chat = await postJson(down.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY);
    expect(chat.status).toBe(503);
    expect(chat.headers.get('content-type')).toBe('application/json');
    expect(chat.headers.get('x-should-retry')).toBeNull(); // nothing reached the backend: safe to retry
    expect(chat.headers.get('retry-after')).toBe(retryAfter); // one health interval, in whole seconds
    expect(await chat.json()).toEqual({ error: { message: 'Backend unavailable', type: 'server_error', code: 503 } });
    const msg = await postJson(down.gatewayUrl, '/v1/messages', undefined, MESSAGES_BODY, { 'x-api-key': key });
    expect(msg.status).toBe(503);
    expect(msg.headers.get('retry-after')).toBe(retryAfter);
    expect(await msg.json()).toEqual({ type: 'error', error: { type: 'api_error', message: 'Backend unavailable' } });
    const after = await down.usage(keyId);
    expect(after).toEqual({ requests: before.requests + 2, promptTokens: before.promptTokens, completionTokens: before.completionTokens });
  };

  for (const stream of [false, true]) {
    it(`answers 504 Backend timeout when no byte comes within the read timeout (${stream ? 'stream' : 'non-stream'}), without retrying`, async () => {
      const res = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, { ...CHAT_BODY, stream }, { 'x-sim-fault': 'stall-headers' });
      expect(res.status).toBe(504);
      expect(res.headers.get('x-should-retry')).toBe('false');
      expect(await res.json()).toEqual(TIMEOUT_OPENAI);
      expect(generations()).toHaveLength(1);
      expect(await generations()[0]!.closed).toBe('aborted');
    });
  }

  it('answers 504 in the Anthropic envelope on /v1/messages', async () => {
    const res = await postJson(stack.gatewayUrl, '/v1/messages', undefined, MESSAGES_BODY, { 'x-api-key': key, 'x-sim-fault': 'stall-headers' });
    expect(res.status).toBe(504);
    expect(await res.json()).toEqual(TIMEOUT_ANTHROPIC);
  });

  it('times out between bytes, not over the whole stream: slow but steady streams complete', async () => {
    const res = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, { ...CHAT_BODY, stream: true }, { 'x-sim-itl-ms': '100', 'x-sim-tokens': '6', 'x-sim-reasoning': 'off' });
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  const midStream: ReadonlyArray<[string, string, object, (text: string) => void]> = [
    ['chat', '/v1/chat/completions', { ...CHAT_BODY, stream: true }, (t) => {
      expect(frames(t).at(-1)).toBe(`data: ${JSON.stringify(TIMEOUT_OPENAI)}\n\n`);
    }],
    ['completions', '/v1/completions', { ...COMPLETIONS_BODY, stream: true }, (t) => {
      expect(frames(t).at(-1)).toBe(`data: ${JSON.stringify(TIMEOUT_OPENAI)}\n\n`);
    }],
    ['messages', '/v1/messages', { ...MESSAGES_BODY, stream: true }, (t) => {
      expect(frames(t).at(-1)).toBe(`event: error\ndata: ${JSON.stringify(TIMEOUT_ANTHROPIC)}\n\n`);
    }],
    ['responses', '/v1/responses', { ...RESPONSES_BODY, stream: true }, (t) => {
      // Flat code/message/param as the Responses stream defines its error event, and the nested error.
      expect(frames(t).at(-1)).toBe(`event: error\ndata: ${JSON.stringify({ type: 'error', code: 'timeout_error', message: 'Backend timeout', param: null, ...TIMEOUT_OPENAI })}\n\n`);
    }],
  ];
  for (const [name, path, body, check] of midStream) {
    it(`${name}: a stream that stalls after its first bytes ends with one error frame, no terminal frame, no retry`, async () => {
      const r = await rawRequest(stack.gatewayUrl, {
        method: 'POST',
        path,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-sim-fault': 'stall:3' },
        body: JSON.stringify(body),
      });
      expect(r.status).toBe(200);
      const text = (await readAll(r.res)).toString();
      const sent = stack.sim.getRequest(simId(r.headers))!.sentText();
      // Everything the backend sent (Anthropic's with the fields vLLM leaves out), then the error frame.
      expect(text.startsWith(path === '/v1/messages' ? anthropicConformed(sent) : sent)).toBe(true);
      expect(frames(sent)).toHaveLength(3);
      check(text);
      expect(text).not.toContain('[DONE]');
      expect(text).not.toContain('message_stop');
      expect(text).not.toContain('response.completed');
      expect(generations()).toHaveLength(1);
    });
  }

  it('a stream cut before its first event is answered 502, not a 200 stream that holds only an error event', async () => {
    const res = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, { ...CHAT_BODY, stream: true }, { 'x-sim-fault': 'reset:0' });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error: { message: 'Backend request failed', type: 'server_error', code: 502 } });
  });

  it('a connection reset mid-stream ends the stream with a 502 error frame', async () => {
    const r = await rawRequest(stack.gatewayUrl, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-sim-fault': 'reset:2' },
      body: JSON.stringify({ ...CHAT_BODY, stream: true }),
    });
    const text = (await readAll(r.res)).toString();
    expect(frames(text)).toHaveLength(3);
    expect(frames(text).at(-1)).toBe(`data: ${JSON.stringify({ error: { message: 'Backend request failed', type: 'server_error', code: 502 } })}\n\n`);
  });

  it('a connection dropped before any response byte is 502 Backend request failed, not retried', async () => {
    const res = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY, { 'x-sim-fault': 'drop' });
    expect(res.status).toBe(502);
    expect(res.headers.get('x-should-retry')).toBe('false');
    expect(await res.json()).toEqual({ error: { message: 'Backend request failed', type: 'server_error', code: 502 } });
    expect(generations()).toHaveLength(1);
  });

  for (const status of [400, 404, 500, 503]) {
    it(`passes a backend ${status} through with its body`, async () => {
      const direct = await fetch(`${stack.sim.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-sim-fault': `status:${status}:Simulated failure` },
        body: JSON.stringify(CHAT_BODY),
      });
      const expected = await direct.text();
      const res = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY, { 'x-sim-fault': `status:${status}:Simulated failure` });
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe(direct.headers.get('content-type'));
      expect(await res.text()).toBe(expected);
    });
  }
});
