import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastCounter, FastHistogram, register } from './request-metrics.js';

const BOUNDS = [0.005, 0.01, 0.1, 1, 10];

describe('scrape-time request metrics', () => {
  it('render exactly what prom-client renders for the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const fc = new FastCounter('t_requests_total', 'requests', ['endpoint', 'status', 'result']);
    const fh = new FastHistogram('t_duration_seconds', 'duration', ['endpoint', 'stream'], BOUNDS);
    const ft = new FastCounter('t_tokens_total', 'tokens', ['kind']);
    for (const m of [fc, fh, ft]) register(ours, m);
    const pc = new Counter({ name: 't_requests_total', help: 'requests', labelNames: ['endpoint', 'status', 'result'], registers: [theirs] });
    const ph = new Histogram({ name: 't_duration_seconds', help: 'duration', labelNames: ['endpoint', 'stream'], buckets: BOUNDS, registers: [theirs] });
    const pt = new Counter({ name: 't_tokens_total', help: 'tokens', labelNames: ['kind'], registers: [theirs] });

    const seen: [string, number, string, string, number][] = [
      ['chat', 200, 'complete', 'false', 0.004],
      ['chat', 200, 'complete', 'true', 0.005],
      ['chat', 502, 'upstream-error', 'false', 0.5],
      ['messages', 200, 'aborted', 'true', 12],
      ['chat', 200, 'complete', 'false', 1],
      ['chat', 200, 'complete', 'false', 0.0101],
    ];
    for (const [endpoint, status, result, stream, secs] of seen) {
      fc.inc(1, endpoint, status, result);
      pc.inc({ endpoint, status: String(status), result });
      fh.observe(secs, endpoint, stream);
      ph.observe({ endpoint, stream }, secs);
      ft.inc(3, 'prompt');
      pt.inc({ kind: 'prompt' }, 3);
    }
    ft.inc(0, 'completion');
    pt.inc({ kind: 'completion' }, 0);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('t_duration_seconds_bucket{le="0.005",endpoint="chat",stream="false"} 1');
  });

  it('start empty and empty again after a reset', async () => {
    const r = new Registry();
    const h = new FastHistogram('t_h', 'h', ['a', 'b'], BOUNDS);
    register(r, h);
    expect(await r.metrics()).toBe('# HELP t_h h\n# TYPE t_h histogram\n');
    h.observe(1, 'x', 'y');
    h.reset();
    expect(await r.metrics()).toBe('# HELP t_h h\n# TYPE t_h histogram\n');
  });
});
