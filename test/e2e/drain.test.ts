// Graceful drain on SIGTERM: closing the app (what `serve` does on SIGTERM) stops
// new connections but lets a running stream finish, with its usage committed.
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/harness.js';

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
});
