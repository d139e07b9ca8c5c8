/**
 * Cases 3 and 5: N concurrent SSE streams of 50 chunks at 20 ms, each user streaming one
 * request after another on its own keep-alive connection. Per repetition: the proxy's CPU
 * time per completed stream, its resident memory per open stream (RSS in the window minus
 * RSS just before the users connect, over the streams open), time to first byte, and the
 * gap between chunks. Each proxy is restarted before the first repetition and its idle RSS,
 * after one stream has passed, is the memory baseline: memory per open stream then counts
 * everything a process grows by to carry N streams (buffers, heap and its garbage), and
 * nothing left over from the non-streaming cases.
 */
import type { BenchContext } from '../context.js';
import { chatBody } from '../context.js';
import { median } from '../stats.js';
import { runStreamWindow } from '../load/stream-driver.js';
import type { Reading } from '../measure.js';
import { proxyCpu, read, simCpu } from '../measure.js';
import { rotation, type Target, type TargetName } from '../targets.js';

/** The stream every case sends: 48 content tokens plus the role and finish chunks = 50. */
const STREAM_HEADERS: Readonly<Record<string, string>> = {
  'x-sim-tokens': '48',
  'x-sim-reasoning': 'off',
  'x-sim-itl-ms': '20',
  // A stray Han word now and then, as the filter of case 5 exists for (the same bytes for every target).
  'x-sim-han': '0.1',
};

export interface StreamRep {
  readonly target: TargetName;
  readonly rep: number;
  readonly users: number;
  readonly completed: number;
  readonly errors: number;
  readonly firstErrors: readonly string[];
  readonly allOpened: boolean;
  readonly streamsPerS: number;
  readonly openMedian: number;
  /** Proxy CPU per completed stream, ms; NaN for direct. */
  readonly cpuMsPerStream: number;
  readonly simCpuMsPerStream: number;
  /** Share of one core the proxy used in the window (100 = saturated); NaN for direct. */
  readonly proxyCorePct: number;
  /** Share of one core the simulator used in the window. */
  readonly simCorePct: number;
  /** (median RSS in the window − the fresh process's idle RSS) / median open streams, KB; NaN for direct. */
  readonly kbPerStream: number;
  readonly rssBeforeMb: number;
  readonly rssPeakMb: number;
  readonly ttfbP50Ms: number;
  readonly ttfbP99Ms: number;
  readonly ttfdP50Ms: number;
  readonly gapP50Ms: number;
  readonly gapP99Ms: number;
  readonly durationP50Ms: number;
  readonly readsPerStream: number;
}

export interface StreamRunShape {
  readonly users: number;
  /** The simulator controls of every stream (defaults to STREAM_HEADERS). */
  readonly streamHeaders?: Readonly<Record<string, string>>;
  readonly rampMs: number;
  readonly settleMs: number;
  readonly windowMs: number;
  readonly readyTimeoutMs: number;
}

/** One measurement of `users` streams through `target`. */
export async function measureStreams(ctx: BenchContext, t: Target, rep: number, shape: StreamRunShape, nofile: number): Promise<StreamRep> {
  const idle = read(ctx.fleet, t);
  let before: Reading = idle;
  let after: Reading = idle;
  const rss: number[] = [];
  let peak = idle.proxy?.rssBytes ?? NaN;
  const w = await runStreamWindow(
    {
      config: {
        host: '127.0.0.1',
        port: t.port,
        path: '/v1/chat/completions',
        headers: { ...t.headers, ...(shape.streamHeaders ?? STREAM_HEADERS) },
        body: JSON.stringify(chatBody(ctx.options.model, { stream: true })),
        users: shape.users,
        rampMs: shape.rampMs,
        tickMs: 250,
      },
      settleMs: shape.settleMs,
      windowMs: shape.windowMs,
      readyTimeoutMs: shape.readyTimeoutMs,
      where: { ...ctx.placement.load, nofile },
    },
    {
      atMark: () => (before = read(ctx.fleet, t)),
      atTick: () => {
        const r = read(ctx.fleet, t);
        if (r.proxy !== undefined) {
          rss.push(r.proxy.rssBytes);
          peak = Math.max(peak, r.proxy.rssBytes);
        }
      },
      atStop: () => (after = read(ctx.fleet, t)),
    },
  );
  const r = w.result;
  // No stream completed in the window: there is nothing to divide by.
  const n = r.completed > 0 ? r.completed : NaN;
  const open = median(w.openSamples.map(Number));
  const idleRss = ctx.idleRss.get(t.name) ?? idle.proxy?.rssBytes ?? NaN;
  const ms = (us: number): number => us / 1000;
  // Let the proxy close what the client dropped before the next measurement starts.
  await new Promise((res) => setTimeout(res, 1000));
  return {
    target: t.name,
    rep,
    users: shape.users,
    completed: r.completed,
    errors: r.errors,
    firstErrors: r.firstErrors,
    allOpened: w.allOpened,
    streamsPerS: r.completed / r.windowS,
    openMedian: open,
    cpuMsPerStream: (proxyCpu(before, after) / n) * 1000,
    simCpuMsPerStream: (simCpu(before, after) / n) * 1000,
    proxyCorePct: (proxyCpu(before, after) / ((after.at - before.at) / 1000)) * 100,
    simCorePct: (simCpu(before, after) / ((after.at - before.at) / 1000)) * 100,
    kbPerStream: (median(rss) - idleRss) / Math.max(1, open) / 1024,
    rssBeforeMb: idleRss / 2 ** 20,
    rssPeakMb: peak / 2 ** 20,
    ttfbP50Ms: ms(r.ttfb.p50),
    ttfbP99Ms: ms(r.ttfb.p99),
    ttfdP50Ms: ms(r.ttfd.p50),
    gapP50Ms: ms(r.gap.p50),
    gapP99Ms: ms(r.gap.p99),
    durationP50Ms: ms(r.duration.p50),
    readsPerStream: r.readsPerStream,
  };
}

export interface StreamsRunOptions {
  readonly users: number;
  readonly windowS: number;
  /** Restart each proxy first and take its idle RSS as the memory baseline. */
  readonly freshBaseline: boolean;
}

/** Runs `users` streams against each target, `reps` times, interleaved. */
export async function runStreams(ctx: BenchContext, names: readonly TargetName[], run: StreamsRunOptions, nofile: number): Promise<StreamRep[]> {
  const o = ctx.options;
  const { users } = run;
  const usable = names.filter((n) => ctx.ready.has(n));
  const shape: StreamRunShape = {
    users,
    rampMs: Math.max(200, users), // 1,000 connections a second
    settleMs: 1000,
    windowMs: run.windowS * 1000,
    readyTimeoutMs: Math.max(200, users) + 20_000,
  };
  for (const name of usable) {
    let t = ctx.fleet.targets.get(name);
    if (t === undefined) continue;
    if (t.proc !== undefined && run.freshBaseline) {
      t = await ctx.fleet.restart(name, 'streams (fresh memory baseline)');
      ctx.idleRss.delete(name);
      await measureStreams(ctx, t, -1, { ...shape, users: 1, rampMs: 0, settleMs: 0, windowMs: 300 }, nofile);
      ctx.idleRss.set(name, read(ctx.fleet, t).proxy?.rssBytes ?? NaN);
    }
    if (o.warmupS > 0) await measureStreams(ctx, t, -1, { ...shape, users: Math.min(users, 200), rampMs: 200, settleMs: 0, windowMs: o.warmupS * 1000 }, nofile);
  }
  const out: StreamRep[] = [];
  for (let rep = 0; rep < o.reps; rep++) {
    for (const name of rotation(usable, rep)) {
      const t = ctx.fleet.targets.get(name);
      if (t === undefined) continue;
      const r = await measureStreams(ctx, t, rep, shape, nofile);
      out.push(r);
      ctx.log(`  ${users} streams ${name} rep ${rep + 1}: ${r.completed} streams (${r.streamsPerS.toFixed(0)}/s, open ${r.openMedian}), CPU ${r.cpuMsPerStream.toFixed(2)} ms/stream, ${r.kbPerStream.toFixed(1)} KB/stream, TTFB p50 ${r.ttfbP50Ms.toFixed(2)} ms, gap p50/p99 ${r.gapP50Ms.toFixed(1)}/${r.gapP99Ms.toFixed(1)} ms${r.errors > 0 ? `, ${r.errors} errors: ${r.firstErrors.join('; ')}` : ''}`);
    }
  }
  return out;
}
