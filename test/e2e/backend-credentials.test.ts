// A backend that refuses the gateway's own credentials (vLLM started with --api-key, the gateway
// with another VLLM_API_KEY or none): the client's key passed, so the client never gets the
// backend's 401 (its SDK would report its own key as wrong and stop). It gets 502 in its API's
// error format, the request counts with no tokens, the request log names the cause, and
// /readyz says what to fix.
import { afterEach, describe, expect, it } from 'vitest';
import { listRequestLog } from '../../src/store/request-log.repo.js';
import { startStack, type Stack } from '../helpers/harness.js';
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
});
