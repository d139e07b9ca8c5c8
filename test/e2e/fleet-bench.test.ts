// A tiny `bench --fleet` run, end to end (simulators and gateway in this process, see
// fleet-bench-launcher.ts): few sessions, short timings; checks the report's shape and that its
// numbers are sane.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFleetBench, type FleetBenchOptions } from '../../src/bench/routing-bench.js';
import { inProcessLauncher } from '../helpers/fleet-bench-launcher.js';

const SETTINGS = { model: 'GLM-5.1', prefillMsPerKTok: 20, ttftMs: 5, tokens: 8, itlMs: 20, prefixCacheBlocks: 8192, maxNumSeqs: 0 };
const TINY: FleetBenchOptions = {
  sessions: 6,
  turns: 5,
  replicas: 3,
  model: 'GLM-5.1',
  hungSeconds: 1,
  healthIntervalSeconds: 0.2,
  faults: { killAtMs: 500, downMs: 400, hangAtMs: 1000 },
  rampMs: 300,
  sampleMs: 100,
  settings: SETTINGS,
  trace: { systemChars: 4000, tools: 4, resultChars: 1000, thinkMinMs: 150, thinkMaxMs: 450, seed: 3 },
};

describe('bench --fleet', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('plays the agent trace through one replica, least-in-flight, affinity and affinity with faults, and reports every figure', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleet-bench-'));
    const lines: string[] = [];
    const out = await runFleetBench(TINY, inProcessLauncher(SETTINGS), dir, (l) => lines.push(l));
    expect(out.runs.map((r) => r.name)).toEqual(['single', 'least-in-flight', 'affinity', 'affinity-faults']);
    expect(out.runs.map((r) => r.replicas)).toEqual([1, 3, 3, 3]);
    for (const r of out.runs) {
      expect(r.requests).toBe(6 * 5);
      expect(r.hitRate).toBeGreaterThan(0);
      expect(r.hitRate).toBeLessThan(1);
      expect(r.cachedTokens).toBeLessThan(r.promptTokens);
      // Beyond the prefix every request shares, less is found (least-in-flight most of all).
      expect(r.conversationHitRate).toBeLessThan(r.hitRate);
      expect(r.ttftP50Ms).toBeGreaterThan(0);
      expect(r.ttftP95Ms).toBeGreaterThanOrEqual(r.ttftP50Ms);
      expect(r.gatewayCpuUsPerRequest).toBeGreaterThan(0);
    }
    for (const r of out.runs.slice(0, 3)) expect(r.failures).toEqual({});
    for (const r of out.runs.slice(1)) {
      expect(r.imbalance).toBeGreaterThanOrEqual(1);
      expect(r.sustainedImbalance).toBeGreaterThanOrEqual(1);
    }
    // Sessions stay on their replica with affinity; least-in-flight spreads their turns.
    const [single, lif, aff] = out.runs;
    // With a session's turns on one replica, its own context is found again. Least-in-flight
    // may find none of it in a run this small, and each replica's cold start misses part of the
    // shared prefix, so its figure can even fall a little below zero.
    expect(single!.conversationHitRate).toBeGreaterThan(0);
    expect(aff!.conversationHitRate).toBeGreaterThan(0);
    expect(aff!.conversationHitRate).toBeGreaterThan(lif!.conversationHitRate);
    expect(aff!.hitRate).toBeGreaterThan(lif!.hitRate);
    expect(aff!.hitRate).toBeLessThanOrEqual(single!.hitRate + 1e-9);
    // The gateway's own routing counters: each request of the first three runs picked once, every
    // agent turn with its session (on its own replica, or spilled off it).
    expect(single!.routes).toEqual({ only: 30 });
    expect(lif!.routes).toEqual({ least_in_flight: 30 });
    expect(Object.keys(aff!.routes).sort()).toEqual(expect.arrayContaining(['session']));
    expect(Object.keys(aff!.routes).filter((k) => k !== 'session' && k !== 'spilled')).toEqual([]);
    expect((aff!.routes.session ?? 0) + (aff!.routes.spilled ?? 0)).toBe(30);
    expect(aff!.spilledShare).toBe((aff!.routes.spilled ?? 0) / 30);
    expect(lif!.spilledShare).toBeNaN();
    // The hung replica is ejected within PROXY_HUNG_SECONDS + one probe interval (+ slack for a busy machine).
    const ejected = out.runs[3]!.ejectedAfterS;
    expect(ejected).toBeGreaterThan(0.9);
    expect(ejected).toBeLessThan(1 + 0.2 + 1);
    expect(out.checks.map((c) => c.target)).toEqual([
      'prefix-cache hit rate, affinity ÷ single replica',
      'uncached prompt tokens, affinity ÷ least-in-flight',
      'load imbalance with affinity (max ÷ mean in flight, sampled)',
      'failed requests while a replica is killed and restarted and another hangs (those cut mid-answer by the kill aside)',
      'hung replica ejected after',
      'gateway CPU per request, affinity ÷ least-in-flight',
    ]);
    expect(out.text).toContain('| affinity-faults |');
    const json = JSON.parse(await readFile(join(dir, 'fleet.json'), 'utf8')) as { kind: string; runs: unknown[]; faults: { killedReplica: number }[] };
    expect(json.kind).toBe('fleet');
    expect(json.runs).toHaveLength(4);
    expect(json.faults[0]!.killedReplica).toBe(1);
    expect(lines.some((l) => l.includes('ejected after'))).toBe(true);
  }, 60_000);
});
