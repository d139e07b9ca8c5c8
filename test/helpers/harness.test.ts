import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';

describe('startStack', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('starts a simulator and a gateway on free ports and creates keys', async () => {
    stack = await startStack();
    expect(stack.gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const direct = await fetch(`${stack.sim.url}/v1/models`);
    expect(direct.status).toBe(200);
    const { id, key } = await stack.createKey('k1');
    expect(key.startsWith('wp-')).toBe(true);
    expect(await stack.usage(id)).toEqual({ requests: 0, promptTokens: 0, completionTokens: 0 });
    expect(stack.usageNow(id)).toEqual({ requests: 0, promptTokens: 0, completionTokens: 0 });
    const notFound = await fetch(`${stack.gatewayUrl}/nope`);
    expect(notFound.status).toBe(404);
  });
});
