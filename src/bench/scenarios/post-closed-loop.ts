/**
 * Cases 1, 2 and 6: non-streaming chat in a closed loop at a fixed number of connections,
 * every target in turn, repeated; per repetition the proxy's CPU time per request from
 * /proc and the load generator's throughput and latency.
 */
import type { BenchContext } from '../context.js';
import { chatBody } from '../context.js';
import { proxyCpu, read, simCpu } from '../measure.js';
import { rotation, type TargetName } from '../targets.js';

/** One target, one repetition. */
export interface PostRep {
  readonly target: TargetName;
  readonly rep: number;
  readonly requests: number;
  readonly rps: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly errors: number;
  /** Proxy CPU (user + system) per completed request, µs; NaN for direct. */
  readonly cpuUsPerReq: number;
  /** Simulator CPU per request, µs (the same work for every target: a sanity check). */
  readonly simCpuUsPerReq: number;
  /** Share of one core the proxy used during the load (100 = saturated); NaN for direct. */
  readonly proxyCorePct: number;
}

/** Runs `connections`-connection closed-loop load against each target, `reps` times, interleaved. */
export async function runPostClosedLoop(ctx: BenchContext, names: readonly TargetName[], connections: number): Promise<PostRep[]> {
  const o = ctx.options;
  const body = JSON.stringify(chatBody(o.model, { stream: false }));
  const load = (durationS: number) => ({ path: '/v1/chat/completions', body, connections, durationS });
  const usable = names.filter((n) => ctx.ready.has(n));
  if (o.warmupS > 0) {
    for (const name of usable) {
      const t = ctx.fleet.targets.get(name);
      if (t !== undefined) await ctx.postLoad({ ...load(o.warmupS), headers: headersFor(t.headers) }, t);
    }
  }
  const out: PostRep[] = [];
  for (let rep = 0; rep < o.reps; rep++) {
    for (const name of rotation(usable, rep)) {
      const t = ctx.fleet.targets.get(name);
      if (t === undefined) continue;
      const before = read(ctx.fleet, t);
      const r = await ctx.postLoad({ ...load(o.durationS), headers: headersFor(t.headers) }, t);
      const after = read(ctx.fleet, t);
      const n = Math.max(1, r.requests);
      out.push({
        target: name,
        rep,
        requests: r.requests,
        rps: r.requests / r.durationS,
        p50Us: r.p50Us,
        p99Us: r.p99Us,
        errors: r.errors,
        cpuUsPerReq: (proxyCpu(before, after) / n) * 1e6,
        simCpuUsPerReq: (simCpu(before, after) / n) * 1e6,
        proxyCorePct: (proxyCpu(before, after) / ((after.at - before.at) / 1000)) * 100,
      });
      ctx.log(`  c=${connections} ${name} rep ${rep + 1}: ${Math.round(r.requests / r.durationS)} req/s, p50 ${(r.p50Us / 1000).toFixed(2)} ms, CPU ${((proxyCpu(before, after) / n) * 1e6).toFixed(1)} µs/req${r.errors > 0 ? `, ${r.errors} errors` : ''}`);
    }
  }
  return out;
}

function headersFor(auth: Readonly<Record<string, string>>): Record<string, string> {
  return { 'content-type': 'application/json', ...auth };
}
