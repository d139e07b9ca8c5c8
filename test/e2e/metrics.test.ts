import { afterEach, describe, expect, it } from 'vitest';
import { chatPromptTokens } from '../../src/simulator/index.js';
import { startStack, type Stack } from '../helpers/harness.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

function sample(text: string, line: string): number | undefined {
  const row = text.split('\n').find((l) => l.startsWith(line + ' '));
  return row === undefined ? undefined : Number(row.slice(line.length + 1));
}

describe('/metrics', () => {
  it('counts requests by endpoint, status and result, tokens, latency and backend health', async () => {
    stack = await startStack({ simulator: { model: 'sim-model', tokens: 7, reasoning: false } });
    const { key } = await stack.createKey();
    const body = { model: 'sim-model', messages: [{ role: 'user', content: 'count these words please' }] };
    const ok = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(ok.status).toBe(200);
    await ok.text();
    const denied = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(denied.status).toBe(401);

    const res = await fetch(`${stack.gatewayUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(sample(text, 'worv_proxy_requests_total{endpoint="chat",status="200",result="complete"}')).toBe(1);
    expect(sample(text, 'worv_proxy_tokens_total{kind="completion"}')).toBe(7);
    expect(sample(text, 'worv_proxy_tokens_total{kind="prompt"}')).toBe(chatPromptTokens(body));
    expect(text).toMatch(/^worv_proxy_requests_total\{endpoint="chat",status="401",result="\w+"\} 1$/m);
    // Both requests are timed; only the one that reached the backend has a first byte.
    expect(sample(text, 'worv_proxy_request_duration_seconds_count{endpoint="chat",stream="false"}')).toBe(2);
    expect(sample(text, 'worv_proxy_time_to_first_byte_seconds_count{endpoint="chat",stream="false"}')).toBe(1);
    expect(sample(text, 'worv_proxy_requests_in_flight')).toBe(0);
    expect(sample(text, 'worv_proxy_backend_up')).toBe(1);
    expect(text).toContain('worv_proxy_process_cpu_user_seconds_total');
  });
});
