// Authentication: Bearer or x-api-key; missing, unknown or inactive → 401 in the endpoint's
// dialect; a revoked key stops working within one second (cache), last_used_at kept current.
import { afterEach, describe, expect, it } from 'vitest';
import { isoTime } from '../../src/core/clock.js';
import { fixedClock } from '../helpers/clock.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { CHAT_BODY, MESSAGES_BODY, postJson } from './support.js';

const MISSING = 'Missing API key: send Authorization: Bearer <key> or x-api-key: <key>';
const openai401 = (message: string) => ({ error: { message, type: 'authentication_error', code: 401 } });
const anthropic401 = (message: string) => ({ type: 'error', error: { type: 'authentication_error', message } });

describe('/v1 authentication', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('accepts Authorization: Bearer (any scheme case) and x-api-key', async () => {
    stack = await startStack();
    const { key } = await stack.createKey();
    const bearer = await postJson(stack.gatewayUrl, '/v1/chat/completions', undefined, CHAT_BODY, { authorization: `bearer ${key}` });
    expect(bearer.status).toBe(200);
    const xKey = await postJson(stack.gatewayUrl, '/v1/messages', undefined, MESSAGES_BODY, { 'x-api-key': key, 'anthropic-version': '2023-06-01' });
    expect(xKey.status).toBe(200);
    expect(((await xKey.json()) as { type: string }).type).toBe('message');
  });

  it('sends the backend its own Bearer key and never the client key (vLLM rejects x-api-key)', async () => {
    stack = await startStack({ simulator: { apiKey: 'backend-secret' }, env: { VLLM_API_KEY: 'backend-secret' } });
    const { key } = await stack.createKey();
    const res = await postJson(stack.gatewayUrl, '/v1/messages', undefined, MESSAGES_BODY, { 'x-api-key': key, 'anthropic-version': '2023-06-01' });
    expect(res.status).toBe(200);
    const seen = stack.sim.requests.filter((r) => r.path === '/v1/messages');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers.authorization).toBe('Bearer backend-secret');
    expect(seen[0]?.headers['x-api-key']).toBeUndefined();
    expect(seen[0]?.headers['anthropic-version']).toBe('2023-06-01');
  });

  // A missing key is named as such; an unknown and an inactive key get the same answer.
  const rejected: ReadonlyArray<[string, (s: Stack) => Promise<Record<string, string>>, string]> = [
    ['no key', async () => ({}), MISSING],
    ['an unknown key', async () => ({ authorization: 'Bearer wp-unknown' }), 'Unauthorized'],
    ['an empty bearer', async () => ({ authorization: 'Bearer ' }), MISSING],
    ['an inactive key', async (s) => {
      const { id, key } = await s.createKey();
      await s.revokeKey(id);
      return { 'x-api-key': key };
    }, 'Unauthorized'],
  ];
  for (const [name, headersFor, message] of rejected) {
    const OPENAI_401 = openai401(message);
    const ANTHROPIC_401 = anthropic401(message);
    it(`answers 401 for ${name}, OpenAI envelope on OpenAI paths and Anthropic's on /v1/messages`, async () => {
      stack = await startStack();
      const headers = await headersFor(stack);
      const chat = await postJson(stack.gatewayUrl, '/v1/chat/completions', undefined, CHAT_BODY, headers);
      expect(chat.status).toBe(401);
      expect(chat.headers.get('content-type')).toBe('application/json');
      expect(await chat.json()).toEqual(OPENAI_401);
      const models = await fetch(`${stack.gatewayUrl}/v1/models`, { headers });
      expect(models.status).toBe(401);
      expect(await models.json()).toEqual(OPENAI_401);
      for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
        const msg = await postJson(stack.gatewayUrl, path, undefined, MESSAGES_BODY, headers);
        expect(msg.status).toBe(401);
        expect(msg.headers.get('content-type')).toBe('application/json');
        expect(await msg.json()).toEqual(ANTHROPIC_401);
      }
      expect(stack.sim.requests).toHaveLength(0);
    });
  }

  it('keeps answering from the ≤1 s cache, then refuses a revoked key once the second is over', async () => {
    const clock = fixedClock(Date.parse('2026-11-22T10:00:00Z'));
    stack = await startStack({ clock });
    const { id, key } = await stack.createKey();
    const call = () => fetch(`${stack!.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect((await call()).status).toBe(200);
    await stack.revokeKey(id);
    // Same instant: served from the cache, no database read for this request.
    expect((await call()).status).toBe(200);
    clock.advance(999);
    expect((await call()).status).toBe(200);
    clock.advance(1);
    expect((await call()).status).toBe(401);
  });

  it('updates last_used_at in the same transaction as the usage, before the response ends', async () => {
    const clock = fixedClock(Date.parse('2026-11-22T10:00:00Z'));
    stack = await startStack({ clock });
    const { id, key } = await stack.createKey();
    expect(await stack.lastUsedAt(id)).toBeNull();
    clock.advance(5000);
    const res = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(await stack.lastUsedAt(id)).toBe(isoTime(clock.now()));
    expect((await stack.usage(id)).requests).toBe(1);
  });
});
