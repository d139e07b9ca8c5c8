// The Grafana dashboard in deploy/grafana queries only series the gateway exports.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/harness.js';
import { until } from '../e2e/support.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

interface Panel {
  readonly type: string;
  readonly targets?: ReadonlyArray<{ readonly expr: string }>;
}

describe('deploy/grafana dashboard', () => {
  it('is valid JSON whose every query names a metric /metrics exports', async () => {
    const dash = JSON.parse(readFileSync(new URL('../../deploy/grafana/worv-proxy-dashboard.json', import.meta.url), 'utf8')) as { panels: Panel[]; uid: string };
    expect(dash.uid).toBe('worv-proxy');
    const names = new Set<string>();
    for (const p of dash.panels) for (const t of p.targets ?? []) for (const m of t.expr.matchAll(/worv_proxy_\w+/g)) names.add(m[0]);
    expect(names.size).toBeGreaterThan(10);

    // One slot, two requests at once: the second waits in the fair queue, so its series have samples too.
    stack = await startStack({ simulator: { model: 'sim-model', tokens: 2 }, env: { PROXY_REPLICA_SLOTS: '1' } });
    const { key } = await stack.createKey();
    const chat = (headers: Record<string, string>) =>
      fetch(`${stack!.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'sim-model', messages: [{ role: 'user', content: 'hi' }] }),
      }).then((res) => res.text());
    const first = chat({ 'x-sim-ttft-ms': '300' });
    await until(() => stack!.app.dataPlane.queued()[0]?.running === 1);
    await Promise.all([first, chat({})]);
    const text = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
    // A sample's name (histogram buckets too), or a family's HELP line: a counter nothing has
    // counted yet (retries) has no sample.
    const exported = new Set([...text.matchAll(/^(?:# HELP )?(worv_proxy_\w+)[{ ]/gm)].map((m) => m[1]));
    expect(text).toMatch(/^worv_proxy_model_replicas_up\{model="sim-model"\} 1$/m);
    expect(text).toMatch(/^worv_proxy_queue_wait_seconds_count\{model="sim-model",stream="false"\} 1$/m);
    expect([...names].filter((n) => !exported.has(n))).toEqual([]);
  });
});
