/**
 * `worv-proxy bench --soak MINUTES` (docs/benchmark.md, "Soak"): the compiled gateway (SQLite)
 * in front of the simulator under a steady mixed load for MINUTES, its RSS (from /proc) and
 * V8 heap (from its /metrics) sampled about 60 times, then judged after the warm-up: slope
 * per minute, and whether RSS grew less than 5%.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chatBody } from './context.js';
import { allowedCpus, chooseLayout } from './cpu-layout.js';
import { PROJECT_ROOT, startFleet } from './fleet.js';
import { SOAK_MIX, startSoakLoad } from './load/soak-load.js';
import { machineInfo } from './machine.js';
import { findTaskset, openFilesLimit } from './processes.js';
import { sampleTree } from './proc-stat.js';
import { smokeTest } from './smoke.js';
import { judgeSoak, warmupFor, type MemSample, type SoakVerdict } from './soak-stats.js';

export interface SoakOptions {
  readonly minutes: number;
  /** Concurrent clients of the load. */
  readonly clients: number;
  readonly model: string;
  readonly pgUrl: string;
  readonly pin: boolean;
  readonly out: string | undefined;
  /** Node flags for the gateway (`--trace-gc`, `--inspect=…`). */
  readonly gatewayNodeFlags?: readonly string[];
}

export interface SoakOutcome {
  readonly text: string;
  readonly jsonPath: string;
  readonly verdict: SoakVerdict;
}

const MIB = 1024 * 1024;
const HEAP_USED = /^worv_proxy_nodejs_heap_size_used_bytes (\S+)$/m;
const HEAP_TOTAL = /^worv_proxy_nodejs_heap_size_total_bytes (\S+)$/m;
const EXTERNAL = /^worv_proxy_nodejs_external_memory_bytes (\S+)$/m;

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
}

type HeapFigures = Pick<MemSample, 'heapUsedBytes' | 'heapTotalBytes' | 'externalBytes'>;

/** The V8 heap in use, the heap V8 holds (committed) and memory outside it, from /metrics. */
async function heapFigures(port: number): Promise<HeapFigures> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
    const text = await res.text();
    const read = (re: RegExp): number | undefined => {
      const m = re.exec(text);
      return m === null ? undefined : Number(m[1]);
    };
    return { heapUsedBytes: read(HEAP_USED), heapTotalBytes: read(HEAP_TOTAL), externalBytes: read(EXTERNAL) };
  } catch {
    return { heapUsedBytes: undefined, heapTotalBytes: undefined, externalBytes: undefined };
  }
}

const mib = (b: number | undefined): string => (b === undefined ? '—' : (b / MIB).toFixed(1));

function formatSoak(samples: readonly MemSample[], v: SoakVerdict, o: SoakOptions): string {
  const rows = ['   t (s)   RSS MiB   heap MiB   held MiB   external MiB   requests   errors'];
  // About one row per minute (every sample for short runs).
  const every = Math.max(1, Math.round(samples.length / Math.max(10, o.minutes)));
  samples.forEach((s, i) => {
    if (i % every !== 0 && i !== samples.length - 1) return;
    rows.push(`${s.t.toFixed(0).padStart(8)}${mib(s.rssBytes).padStart(10)}${mib(s.heapUsedBytes).padStart(11)}${mib(s.heapTotalBytes).padStart(11)}${mib(s.externalBytes).padStart(15)}${String(s.done).padStart(11)}${String(s.errors).padStart(9)}`);
  });
  const slopeH = v.heapSlopeMiBPerMin === undefined ? '—' : v.heapSlopeMiBPerMin.toFixed(3);
  return [
    rows.join('\n'),
    '',
    `after the ${v.warmupS.toFixed(0)} s warm-up (${v.measured} samples):`,
    `  RSS  ${mib(v.rssStartBytes)} → ${mib(v.rssEndBytes)} MiB, growth ${(v.rssGrowth * 100).toFixed(2)}% (target < ${(v.limit * 100).toFixed(0)}%: ${v.pass ? 'pass' : 'FAIL'}), slope ${v.rssSlopeMiBPerMin.toFixed(3)} MiB/min`,
    `  heap ${mib(v.heapStartBytes)} → ${mib(v.heapEndBytes)} MiB, slope ${slopeH} MiB/min`,
    `  lowest per quarter (what survives collection): RSS ${v.rssLowsBytes.map((b) => mib(b)).join(', ')} MiB; heap ${v.heapLowsBytes.map((b) => mib(b)).join(', ')} MiB`,
  ].join('\n');
}

/** Runs the soak; `log` gets progress lines. Throws when the harness itself cannot run. */
export async function runSoak(o: SoakOptions, argv: readonly string[], log: (line: string) => void): Promise<SoakOutcome> {
  const here = fileURLToPath(new URL('.', import.meta.url));
  if (!existsSync(join(here, 'passthrough.js')) || !existsSync(join(PROJECT_ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('the benchmark runs the compiled gateway: run `npm run build` first');
  }
  const started = new Date();
  const resultsDir = join(PROJECT_ROOT, 'bench-results');
  const runDir = join(resultsDir, `soak-${stamp(started)}`);
  await mkdir(runDir, { recursive: true });
  const layout = chooseLayout(allowedCpus(), o.pin);
  const taskset = findTaskset();
  if (layout.backend !== undefined && taskset !== undefined) spawnSync(taskset, ['-a', '-p', '-c', layout.backend, String(process.pid)], { stdio: 'ignore' });
  const nofile = openFilesLimit().hard;
  const placement = { proxy: { cpus: layout.proxy, nofile }, backend: { cpus: layout.backend, nofile } };
  const durationS = o.minutes * 60;
  const warmupS = warmupFor(durationS);
  const everyS = Math.min(10, Math.max(1, durationS / 60));
  log(`worv-proxy bench --soak ${o.minutes}: ${o.clients} clients, warm-up ${warmupS.toFixed(0)} s, a sample every ${everyS.toFixed(1)} s; ${layout.description}`);

  const fleet = await startFleet({ want: new Set(['gateway']), placement, runDir, model: o.model, pgUrl: o.pgUrl, nofile, nodeFlags: [], gatewayNodeFlags: o.gatewayNodeFlags ?? [] });
  const samples: MemSample[] = [];
  let counts;
  try {
    const target = fleet.targets.get('gateway');
    if (target?.proc === undefined) throw new Error(`the gateway did not start: ${fleet.skipped.get('gateway') ?? 'unknown reason'}`);
    const why = await smokeTest(target, JSON.stringify(chatBody(o.model, { stream: false })));
    if (why !== undefined) throw new Error(`the gateway failed its smoke request: ${why}`);
    const pid = target.proc.pid;
    const load = startSoakLoad({ port: target.port, headers: target.headers, model: o.model, clients: o.clients });
    counts = load.counts;
    const t0 = performance.now();
    let lastLog = 0;
    for (;;) {
      const t = (performance.now() - t0) / 1000;
      samples.push({ t, rssBytes: sampleTree(pid).rssBytes, ...(await heapFigures(target.port)), done: counts.done, errors: counts.errors });
      if (t - lastLog >= 60 || samples.length === 1) {
        lastLog = t;
        const s = samples[samples.length - 1] as MemSample;
        log(`  ${t.toFixed(0)} s: RSS ${mib(s.rssBytes)} MiB, heap ${mib(s.heapUsedBytes)} MiB, ${s.done} requests, ${s.errors} errors`);
      }
      if (t >= durationS) break;
      await new Promise((r) => setTimeout(r, Math.min(everyS * 1000, Math.max(0, (durationS - t) * 1000))));
    }
    await load.stop();
  } finally {
    await fleet.close();
  }
  const verdict = judgeSoak(samples, warmupS);
  const machine = machineInfo(undefined, undefined);
  const finished = new Date();
  const command = `worv-proxy bench ${argv.join(' ')}`.trimEnd();
  const mix = SOAK_MIX.map((k) => `${k.share}% ${k.name}`).join(', ');
  const text = [
    `worv-proxy bench --soak — ${started.toISOString()} (${Math.round((finished.getTime() - started.getTime()) / 1000)} s)`,
    `command: ${command}`,
    `machine: ${machine.cpuCount} × ${machine.cpuModel}, Linux ${machine.kernel}, Node ${machine.node}; ${layout.description}`,
    `load: ${o.clients} clients, ${mix}; ${counts.done} requests, ${counts.errors} errors`,
    ...counts.firstErrors.map((e) => `error: ${e}`),
    '',
    formatSoak(samples, verdict, o),
  ].join('\n');
  const jsonPath = o.out ?? join(resultsDir, `soak-${stamp(started)}.json`);
  const json = { version: 1, kind: 'soak', startedAt: started.toISOString(), finishedAt: finished.toISOString(), command, machine, layout, options: o, mix: SOAK_MIX, requests: counts, verdict, samples };
  await writeFile(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  return { text, jsonPath, verdict };
}
