/**
 * The fleet benchmark's figures from its raw runs: prefix-cache hit rate (the replicas' own
 * counters), time to first token, load imbalance, failed requests, the gateway's CPU per
 * request, the fault run's ejection time, the share of keyed requests the gateway spilled off
 * their own replica (its routing counters); then the targets of docs/fleet.md and the text.
 */
import type { RawRun } from './routing-run.js';
import { percentiles } from './stats.js';
import { fmt, pipeTable } from './table.js';

export interface RunSummary {
  readonly name: string;
  readonly replicas: number;
  readonly routing: string;
  readonly requests: number;
  readonly failed: number;
  /** Failed requests by reason. */
  readonly failures: Readonly<Record<string, number>>;
  /** Failed requests that were in flight at the kill (sent before it, ended after it). */
  readonly failedAtKill: number;
  readonly promptTokens: number;
  readonly cachedTokens: number;
  /** cachedTokens ÷ promptTokens. */
  readonly hitRate: number;
  /**
   * The same beyond the prefix every request shares (system prompt and tools, cached on every
   * replica whatever the routing): how much of each conversation's own context was found.
   */
  readonly conversationHitRate: number;
  readonly ttftP50Ms: number;
  readonly ttftP95Ms: number;
  /** Σ over samples of the busiest replica's in-flight ÷ Σ of the mean (1 = even). */
  readonly imbalance: number;
  /** The busiest replica's average in flight over the run ÷ the mean of the averages. */
  readonly sustainedImbalance: number;
  readonly meanInFlight: number;
  readonly gatewayCpuUsPerRequest: number;
  readonly wallS: number;
  readonly ejectedAfterS: number | undefined;
  /** The gateway's count of how it chose each request's replica (`worv_proxy_replica_routed_total`). */
  readonly routes: Readonly<Record<string, number>>;
  /** Requests with an affinity key placed away from the key's own replica because of load: spilled ÷ (session + prefix + spilled). */
  readonly spilledShare: number;
}

export interface FleetCheck {
  readonly target: string;
  readonly measured: string;
  readonly limit: string;
  readonly pass: boolean | undefined;
}

/**
 * Over the samples where every replica answered and something was in flight: Σ max ÷ Σ mean
 * (how uneven the load is at any moment), and the busiest replica's average ÷ the mean average
 * (how uneven it is over the run).
 */
export function imbalanceOf(samples: RawRun['samples']): { ratio: number; sustained: number; mean: number } {
  let sumMax = 0;
  let sumMean = 0;
  let n = 0;
  let per: number[] | undefined;
  for (const s of samples) {
    if (s.inFlight.some((v) => v === undefined)) continue;
    const v = s.inFlight as readonly number[];
    const total = v.reduce((a, b) => a + b, 0);
    if (total === 0) continue;
    sumMax += Math.max(...v);
    sumMean += total / v.length;
    per ??= v.map(() => 0);
    v.forEach((x, i) => ((per as number[])[i] = ((per as number[])[i] ?? 0) + x));
    n++;
  }
  if (n === 0 || per === undefined) return { ratio: NaN, sustained: NaN, mean: NaN };
  const avg = per.reduce((a, b) => a + b, 0) / per.length;
  return { ratio: sumMax / sumMean, sustained: Math.max(...per) / avg, mean: sumMean / n };
}

export function summarize(r: RawRun): RunSummary {
  const failures: Record<string, number> = {};
  let failed = 0;
  let failedAtKill = 0;
  const kill = r.faults?.killedAtMs;
  for (const q of r.records) {
    if (q.error === undefined) continue;
    failed++;
    failures[q.error] = (failures[q.error] ?? 0) + 1;
    if (kill !== undefined && q.sentAt <= kill && q.endedAt >= kill) failedAtKill++;
  }
  const ttft = r.records.filter((q) => q.error === undefined && q.ttftMs !== undefined).map((q) => q.ttftMs as number);
  const [p50 = NaN, p95 = NaN] = percentiles(ttft, [50, 95]);
  const promptTokens = r.prefix.reduce((a, p) => a + p.queries, 0);
  const cachedTokens = r.prefix.reduce((a, p) => a + p.hits, 0);
  const imb = imbalanceOf(r.samples);
  const shared = r.records.length * r.sharedTokens;
  const keyed = (r.routes.session ?? 0) + (r.routes.prefix ?? 0) + (r.routes.spilled ?? 0);
  return {
    name: r.spec.name,
    replicas: r.spec.replicas,
    routing: r.spec.routing,
    requests: r.records.length,
    failed,
    failures,
    failedAtKill,
    promptTokens,
    cachedTokens,
    hitRate: promptTokens === 0 ? NaN : cachedTokens / promptTokens,
    conversationHitRate: (cachedTokens - shared) / (promptTokens - shared),
    ttftP50Ms: p50,
    ttftP95Ms: p95,
    imbalance: imb.ratio,
    sustainedImbalance: imb.sustained,
    meanInFlight: imb.mean,
    gatewayCpuUsPerRequest: r.records.length === 0 ? NaN : (r.gatewayCpuSeconds * 1e6) / r.records.length,
    wallS: r.wallMs / 1000,
    ejectedAfterS: r.faults?.ejectedAfterMs === undefined ? undefined : r.faults.ejectedAfterMs / 1000,
    routes: r.routes,
    spilledShare: keyed === 0 ? NaN : (r.routes.spilled ?? 0) / keyed,
  };
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '—');

/** The targets of docs/fleet.md, from the runs that exist. */
export function fleetChecks(runs: readonly RunSummary[], hungSeconds: number, intervalSeconds: number): FleetCheck[] {
  const get = (n: string): RunSummary | undefined => runs.find((r) => r.name === n);
  const single = get('single');
  const lif = get('least-in-flight');
  const aff = get('affinity');
  const faults = get('affinity-faults');
  const out: FleetCheck[] = [];
  if (single !== undefined && aff !== undefined) {
    const ratio = aff.hitRate / single.hitRate;
    out.push({ target: 'prefix-cache hit rate, affinity ÷ single replica', measured: `${fmt(ratio, 3)} (${pct(aff.hitRate)} vs ${pct(single.hitRate)})`, limit: '≥ 0.90', pass: ratio >= 0.9 });
  }
  if (lif !== undefined && aff !== undefined) {
    // "Far above": affinity leaves at most half the uncached prompt tokens least-in-flight leaves.
    const missRatio = (1 - aff.hitRate) / (1 - lif.hitRate);
    out.push({
      target: 'uncached prompt tokens, affinity ÷ least-in-flight',
      measured: `${fmt(missRatio, 2)} (hit rate ${pct(aff.hitRate)} vs ${pct(lif.hitRate)}; beyond the shared prefix ${pct(aff.conversationHitRate)} vs ${pct(lif.conversationHitRate)})`,
      limit: '≤ 0.50',
      pass: missRatio <= 0.5,
    });
  }
  if (aff !== undefined) {
    out.push({
      target: 'load imbalance with affinity (max ÷ mean in flight, sampled)',
      measured: `${fmt(aff.imbalance, 2)}× (over the run ${fmt(aff.sustainedImbalance, 2)}×${lif === undefined ? '' : `; least-in-flight ${fmt(lif.imbalance, 2)}×`})`,
      limit: '≤ 1.30×',
      pass: aff.imbalance <= 1.3,
    });
  }
  if (faults !== undefined) {
    // A stream the killed replica was answering dies with it: no proxy can finish it. Every
    // other request, including those sent while the replica was down or starting, must succeed.
    const saved = faults.failed - faults.failedAtKill;
    out.push({
      target: 'failed requests while a replica is killed and restarted and another hangs (those cut mid-answer by the kill aside)',
      measured: `${saved} of ${faults.requests} (+ ${faults.failedAtKill} cut mid-answer)`,
      limit: '0',
      pass: saved === 0,
    });
    const limit = hungSeconds + intervalSeconds;
    const e = faults.ejectedAfterS;
    out.push({ target: 'hung replica ejected after', measured: e === undefined ? 'never' : `${fmt(e, 2)} s`, limit: `≤ ${fmt(limit, 1)} s`, pass: e !== undefined && e <= limit });
  }
  if (lif !== undefined && aff !== undefined) {
    const r = aff.gatewayCpuUsPerRequest / lif.gatewayCpuUsPerRequest;
    out.push({ target: 'gateway CPU per request, affinity ÷ least-in-flight', measured: `${fmt(r, 2)}× (${fmt(aff.gatewayCpuUsPerRequest, 0)} vs ${fmt(lif.gatewayCpuUsPerRequest, 0)} µs)`, limit: '≤ 1.05×', pass: r <= 1.05 });
  }
  return out;
}

export function formatFleet(runs: readonly RunSummary[], checks: readonly FleetCheck[]): string {
  const table = pipeTable(
    ['run', 'replicas', 'routing', 'requests', 'failed', 'prefix-cache hit rate', 'beyond shared prefix', 'TTFT p50 ms', 'TTFT p95 ms', 'imbalance', 'over the run', 'mean in flight', 'spilled', 'gateway CPU µs/req', 'wall s'],
    runs.map((r) => [
      r.name, String(r.replicas), r.routing, String(r.requests), String(r.failed), pct(r.hitRate), pct(r.conversationHitRate), fmt(r.ttftP50Ms, 0), fmt(r.ttftP95Ms, 0),
      r.replicas > 1 ? `${fmt(r.imbalance, 2)}×` : '—', r.replicas > 1 ? `${fmt(r.sustainedImbalance, 2)}×` : '—', fmt(r.meanInFlight, 1), pct(r.spilledShare), fmt(r.gatewayCpuUsPerRequest, 0), fmt(r.wallS, 1),
    ]),
  );
  const targets = pipeTable(
    ['target', 'measured', 'limit', 'result'],
    checks.map((c) => [c.target, c.measured, c.limit, c.pass === undefined ? 'not measured' : c.pass ? 'PASS' : 'MISS']),
  );
  const failures = runs.flatMap((r) => Object.entries(r.failures).map(([why, n]) => `${r.name}: ${n} × ${why}`));
  return [table, 'Targets', targets, ...failures.map((f) => `failed: ${f}`)].join('\n\n');
}
