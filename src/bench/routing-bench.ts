/**
 * `worv-proxy bench --fleet` (docs/fleet.md, "The fleet benchmark"): the same agent trace
 * played through a gateway in front of one simulator replica (the reference), then four with
 * PROXY_ROUTING=least-in-flight, four with affinity, and four with affinity while one replica
 * is killed and started again and another hangs. Each run starts fresh processes, so every
 * prefix cache starts cold.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildTrace, DEFAULT_TRACE, sharedPrefixTokens, type TraceOptions } from './agent-trace.js';
import type { LaunchReplicas, ReplicaSettings } from './replica-set.js';
import { fleetChecks, formatFleet, summarize, type FleetCheck, type RunSummary } from './routing-report.js';
import { runOne, type FaultPlan, type RunSpec } from './routing-run.js';

export interface FleetBenchOptions {
  readonly sessions: number;
  readonly turns: number;
  readonly replicas: number;
  readonly model: string;
  readonly hungSeconds: number;
  readonly healthIntervalSeconds: number;
  readonly faults: FaultPlan;
  /** Sessions start spread over this long, ms. */
  readonly rampMs: number;
  readonly sampleMs: number;
  readonly settings: ReplicaSettings;
  readonly trace: Omit<TraceOptions, 'sessions' | 'turns' | 'model'>;
  /** Only these runs (default: all four). */
  readonly runs?: readonly string[];
}

/** The benchmark's defaults: a couple of minutes on a small machine. */
export function defaultFleetBench(sessions: number, turns: number, model: string, maxNumSeqs = 0): FleetBenchOptions {
  return {
    sessions,
    turns,
    replicas: 4,
    model,
    hungSeconds: 5,
    healthIntervalSeconds: 1,
    faults: { killAtMs: 5000, downMs: 3000, hangAtMs: 10_000 },
    rampMs: 3000,
    sampleMs: 250,
    // 20 ms per 1,000 uncached prompt tokens: a cold 20k-token prompt waits 400 ms for its
    // first token, a warm one little more than its new turn.
    settings: { model, prefillMsPerKTok: 20, ttftMs: 10, tokens: 32, itlMs: 15, prefixCacheBlocks: 12_288, maxNumSeqs },
    trace: { ...DEFAULT_TRACE, resultChars: 3000 },
  };
}

export interface FleetBenchOutcome {
  readonly text: string;
  readonly runs: readonly RunSummary[];
  readonly checks: readonly FleetCheck[];
  readonly json: Record<string, unknown>;
}

/** Runs the benchmark; `launch` starts each run's replicas and gateway; the JSON goes to `<runDir>/fleet.json`. */
export async function runFleetBench(o: FleetBenchOptions, launch: LaunchReplicas, runDir: string, log: (line: string) => void): Promise<FleetBenchOutcome> {
  await mkdir(runDir, { recursive: true });
  const started = new Date();
  const traceOptions = { ...o.trace, sessions: o.sessions, turns: o.turns, model: o.model };
  const trace = buildTrace(traceOptions);
  const sharedTokens = sharedPrefixTokens(traceOptions);
  const blocks = o.settings.prefixCacheBlocks;
  const seqs = o.settings.maxNumSeqs;
  // The reference: one replica with the fleet's whole prefix cache (and batch), where every turn
  // finds its conversation. The fleet's replicas each have a share of it, as GPUs do.
  const fleet = { replicas: o.replicas, prefixCacheBlocks: blocks, maxNumSeqs: seqs };
  const specs: RunSpec[] = [
    { name: 'single', replicas: 1, prefixCacheBlocks: blocks * o.replicas, maxNumSeqs: seqs * o.replicas, routing: 'affinity', faults: undefined },
    { name: 'least-in-flight', ...fleet, routing: 'least-in-flight', faults: undefined },
    { name: 'affinity', ...fleet, routing: 'affinity', faults: undefined },
    { name: 'affinity-faults', ...fleet, routing: 'affinity', faults: o.faults },
  ].filter((s) => (o.runs === undefined || o.runs.includes(s.name)) && (s.faults === undefined || o.replicas >= 3)) as RunSpec[];
  log(`worv-proxy bench --fleet: ${o.sessions} sessions × ${o.turns} turns, ${o.replicas} replicas; runs: ${specs.map((s) => s.name).join(', ')}`);
  const raws = [];
  for (const spec of specs) {
    raws.push(
      await runOne(spec, {
        launch, trace, rampMs: o.rampMs, hungSeconds: o.hungSeconds, healthIntervalSeconds: o.healthIntervalSeconds, sampleMs: o.sampleMs, sharedTokens, log,
      }),
    );
  }
  const runs = raws.map(summarize);
  const checks = fleetChecks(runs, o.hungSeconds, o.healthIntervalSeconds);
  const first = trace[0]?.[0]?.body.length ?? 0;
  const last = trace[0]?.[trace[0].length - 1]?.body.length ?? 0;
  const header = [
    `worv-proxy bench --fleet — ${started.toISOString()} (${Math.round((Date.now() - started.getTime()) / 1000)} s)`,
    `trace: ${o.sessions} sessions × ${o.turns} turns (streamed /v1/messages with x-claude-code-session-id), system prompt ${o.trace.systemChars} chars + ${o.trace.tools} tools, ` +
      `${o.trace.resultChars}-char tool result per turn; bodies ${Math.round(first / 1024)}–${Math.round(last / 1024)} KiB; ${sharedTokens} prompt tokens shared by every request`,
    `replicas: worv-proxy simulate, prefix cache ${o.settings.prefixCacheBlocks} blocks of 16 tokens each (single: ${o.settings.prefixCacheBlocks * o.replicas}), ${o.settings.prefillMsPerKTok} ms per 1,000 uncached prompt tokens + ${o.settings.ttftMs} ms, ` +
      `${o.settings.tokens} tokens at ${o.settings.itlMs} ms${seqs > 0 ? `, at most ${seqs} generating at once (single: ${seqs * o.replicas}), the rest waiting` : ''}; gateway PROXY_HUNG_SECONDS=${o.hungSeconds}, PROXY_HEALTH_INTERVAL=${o.healthIntervalSeconds}`,
    `faults (affinity-faults): replica 1 killed at ${o.faults.killAtMs / 1000} s and started again ${o.faults.downMs / 1000} s later; the busiest other replica hung at ${o.faults.hangAtMs / 1000} s, resumed 1 s after its ejection`,
  ].join('\n');
  const text = [header, formatFleet(runs, checks)].join('\n\n');
  const json = {
    version: 1,
    kind: 'fleet',
    startedAt: started.toISOString(),
    options: o,
    runs,
    checks,
    faults: raws.map((r) => r.faults).filter((f) => f !== undefined),
  };
  await writeFile(join(runDir, 'fleet.json'), `${JSON.stringify(json, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  return { text, runs, checks, json };
}
