import { describe, expect, it } from 'vitest';
import { evaluateChecks, medianAdded } from './checks.js';
import { formatChecks, formatCases } from './report.js';
import type { PostRep } from './scenarios/post-closed-loop.js';
import type { StreamRep } from './scenarios/streams.js';
import { pipeTable } from './table.js';

function post(target: PostRep['target'], rep: number, cpuUsPerReq: number, p50Us: number): PostRep {
  return { target, rep, requests: 1000, rps: 100, p50Us, p99Us: p50Us * 2, errors: 0, cpuUsPerReq, simCpuUsPerReq: 10, proxyCorePct: 50 };
}

describe('target checks', () => {
  const post64 = [post('direct', 0, NaN, 100), post('node', 0, 50, 200), post('gateway', 0, 60, 300), post('node', 1, 70, 200), post('gateway', 1, 80, 300), post('gateway-pg', 0, 150, 300)];
  it('compares medians over repetitions', () => {
    const [c1, , c6] = evaluateChecks({ post64 }, ['1', '6']);
    expect(c1).toMatchObject({ case: '1', value: 70 / 60, limit: 1.0, pass: false });
    expect(c6).toMatchObject({ case: '6', value: 150 / 70, pass: false });
  });
  it('case 1: added p99 at 64 connections, gateway ÷ bare Node (≤ 1.2×), with nginx beside it', () => {
    const rows = [...post64, post('nginx', 0, 20, 120)];
    const [c] = evaluateChecks({ post64: rows }, ['1']).filter((x) => x.what.includes('p99'));
    // p99 is twice p50 in these rows: direct 200, node 400, gateway 600, nginx 240 µs.
    expect(c).toMatchObject({ value: 400 / 200, limit: 1.2, pass: false });
    expect(c?.detail).toBe('+0.4 vs +0.2 ms; nginx +0.0 ms');
  });
  it('--limits: every limit set ÷ none, in the process (≤ 1.15×) and with Redis (≤ 1.5×)', () => {
    const rows = [...post64, post('gateway-limits', 0, 78, 300), post('gateway-limits', 1, 78, 300), post('gateway-limits-redis', 0, 112, 300)];
    const limits = evaluateChecks({ post64: rows }, ['1']).filter((c) => c.what.includes('every limit set'));
    // The gateway without limits: median of 60 and 80 µs = 70.
    expect(limits.map((c) => [Math.round(c.value * 1000) / 1000, c.limit, c.pass])).toEqual([
      [1.114, 1.15, true],
      [1.6, 1.5, false],
    ]);
    expect(evaluateChecks({ post64 }, ['1']).some((c) => c.what.includes('every limit set'))).toBe(false);
  });

  it('--request-log: the gateway (log on) ÷ the gateway with it off (≤ 1.05×)', () => {
    const rows = [...post64, post('gateway-nolog', 0, 66, 300), post('gateway-nolog', 1, 68, 300)];
    const [c] = evaluateChecks({ post64: rows }, ['1']).filter((x) => x.what.includes('request log'));
    expect(c).toMatchObject({ value: 70 / 67, limit: 1.05, pass: true });
    expect(evaluateChecks({ post64 }, ['1']).some((x) => x.what.includes('request log'))).toBe(false);
  });

  it('subtracts direct of the same repetition for added latency', () => {
    const post1 = [post('direct', 0, NaN, 100), post('node', 0, 1, 150), post('gateway', 0, 1, 170), post('direct', 1, NaN, 300), post('node', 1, 1, 350), post('gateway', 1, 1, 370)];
    expect(medianAdded(post1, 'gateway', (r) => r.p50Us)).toBe(70);
    const [c2] = evaluateChecks({ post1 }, ['2']);
    expect(c2).toMatchObject({ value: 70 / 50, limit: 1.3, pass: false });
    const none = evaluateChecks({ post1: post1.map((x) => (x.target === 'node' ? { ...x, p50Us: x.p50Us - 60 } : x)) }, ['2'])[0];
    expect(none?.pass).toBeUndefined();
    expect(none?.detail).toContain('adds nothing measurable');
    // Direct's own figure above the gateway's (a tail in the direct run): a negative ratio means nothing.
    const below = evaluateChecks({ post1: post1.map((x) => (x.target === 'gateway' ? { ...x, p50Us: x.p50Us - 90 } : x)) }, ['2'])[0];
    expect(below).toMatchObject({ pass: undefined, detail: "-20.0 vs +50.0 µs: the gateway's added figure is at or below zero, inside the direct run's noise" });
  });
  it('reports a check it could not measure as such', () => {
    const [c1] = evaluateChecks({ post64: [post('node', 0, 50, 1)] }, ['1']);
    expect(c1?.pass).toBeUndefined();
    expect(formatChecks([c1!])).toContain('not measured');
  });
});

describe('stream checks', () => {
  const stream = (target: StreamRep['target'], kbPerStream: number): StreamRep => ({
    target, rep: 0, users: 100, completed: 100, errors: 0, firstErrors: [], allOpened: true, streamsPerS: 100, openMedian: 100,
    cpuMsPerStream: 1, simCpuMsPerStream: 1, proxyCorePct: 10, simCorePct: 10, kbPerStream, rssBeforeMb: 50, rssPeakMb: 60,
    ttfbP50Ms: 2, ttfbP99Ms: 3, ttfdP50Ms: 2, gapP50Ms: 20, gapP99Ms: 25, durationP50Ms: 1000, readsPerStream: 50,
  });
  it('does not judge memory when RSS noise exceeds what the streams use', () => {
    const mem = evaluateChecks({ streams: [stream('direct', NaN), stream('node', 80), stream('gateway', -12)] }, ['3'])[1];
    expect(mem?.pass).toBeUndefined();
    expect(mem?.detail).toContain('RSS noise');
  });
});

describe('tables', () => {
  it('pads and aligns pipe tables', () => {
    expect(pipeTable(['target', 'n'], [['node', '12'], ['gateway', '3']])).toBe(
      '| target  |  n |\n|---------|---:|\n| node    | 12 |\n| gateway |  3 |',
    );
  });
  it('prints medians with their range and the ratio to the references', () => {
    const text = formatCases({ post64: [post('node', 0, 50, 1000), post('node', 1, 60, 1000), post('gateway', 0, 66, 1000), post('gateway', 1, 66, 1000)] });
    expect(text).toContain('| node    |');
    expect(text).toContain('55.0 (50.0–60.0)');
    expect(text).toContain('1.20×');
  });
});
