/**
 * One benchmark run (docs/benchmark.md): start the fleet, smoke-test every target, run the selected
 * cases with the targets interleaved, evaluate the performance targets, print the tables and
 * write the JSON. Every process it starts is stopped again, also on failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateChecks, type Check } from './checks.js';
import { chatBody, type BenchContext } from './context.js';
import { allowedCpus, chooseLayout, type CpuLayout } from './cpu-layout.js';
import { PROJECT_ROOT, startFleet, type Fleet } from './fleet.js';
import { findAutocannon, runAutocannon } from './load/autocannon.js';
import { findWrk, runWrk } from './load/wrk.js';
import { busyShare, cpuTotals, load1, machineInfo } from './machine.js';
import { findNginx } from './nginx.js';
import type { BenchOptions, CaseId } from './options.js';
import { findTaskset, openFilesLimit } from './processes.js';
import { formatCases, formatChecks, formatProfiles } from './report.js';
import { summarizeProfiles } from './profile-summary.js';
import type { CaseResults } from './results.js';
import { runBigBody } from './scenarios/big-body.js';
import { runPostClosedLoop } from './scenarios/post-closed-loop.js';
import { runManyStreams } from './scenarios/many-streams.js';
import { runStreams } from './scenarios/streams.js';
import { smokeTest } from './smoke.js';
import { TARGET_LABEL, type TargetName } from './targets.js';

const REFERENCES: readonly TargetName[] = ['direct', 'node', 'nginx', 'gateway'];

/** Which targets each case compares. */
const CASE_TARGETS: Readonly<Record<CaseId, readonly TargetName[]>> = {
  '1': REFERENCES,
  '2': REFERENCES,
  '3': REFERENCES,
  '4': REFERENCES,
  '5': ['gateway', 'gateway-han'],
  '6': ['gateway', 'gateway-pg'],
};

export interface BenchOutcome {
  readonly text: string;
  readonly jsonPath: string;
  readonly checks: readonly Check[];
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
}

function targetsFor(cases: readonly CaseId[], which: readonly CaseId[], o: { limits?: boolean; otel?: boolean; requestLog?: boolean } = {}): TargetName[] {
  const set = new Set<TargetName>();
  for (const c of cases) if (which.includes(c)) for (const t of CASE_TARGETS[c]) set.add(t);
  const case1 = cases.includes('1') && which.includes('1');
  // --limits: case 1 also compares the gateway with every limit set on its key.
  if (o.limits === true && case1) for (const t of LIMIT_TARGETS) set.add(t);
  // --otel: case 1 also compares the gateway exporting a trace span per request.
  if (o.otel === true && case1) for (const t of OTEL_TARGETS) set.add(t);
  // --request-log: case 1 also runs the gateway with the request log off.
  if (o.requestLog === true && case1) for (const t of ['gateway', 'gateway-nolog'] as const) set.add(t);
  return [...set];
}

const LIMIT_TARGETS: readonly TargetName[] = ['gateway', 'gateway-limits', 'gateway-limits-redis'];
const OTEL_TARGETS: readonly TargetName[] = ['gateway', 'gateway-otel'];

/** Runs the benchmark; `log` gets progress lines. Throws when the harness itself cannot run. */
export async function runBenchmark(o: BenchOptions, argv: readonly string[], log: (line: string) => void): Promise<BenchOutcome> {
  const here = fileURLToPath(new URL('.', import.meta.url));
  if (!existsSync(join(here, 'passthrough.js')) || !existsSync(join(PROJECT_ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('the benchmark runs the compiled gateway: run `npm run build` first');
  }
  const started = new Date();
  const resultsDir = join(PROJECT_ROOT, 'bench-results');
  const runDir = join(resultsDir, `run-${stamp(started)}`);
  await mkdir(runDir, { recursive: true });
  const layout = chooseLayout(allowedCpus(), o.pin);
  const taskset = findTaskset();
  // The harness itself stays off the proxy's core.
  if (layout.backend !== undefined && taskset !== undefined) spawnSync(taskset, ['-a', '-p', '-c', layout.backend, String(process.pid)], { stdio: 'ignore' });
  const nofile = openFilesLimit().hard;
  const placement = {
    proxy: { cpus: layout.proxy, nofile, nice: o.nice },
    backend: { cpus: layout.backend, nofile, nice: o.nice },
    load: { cpus: layout.load, nofile, nice: o.nice },
  };
  if (o.nice !== undefined) spawnSync('renice', ['-n', String(o.nice), '-p', String(process.pid)], { stdio: 'ignore' });
  const nginx = findNginx();
  const wrk = o.load === 'autocannon' ? undefined : findWrk();
  const autocannon = findAutocannon();
  if (o.load === 'wrk' && wrk === undefined) throw new Error('--load wrk: wrk is not installed');
  if (wrk === undefined && autocannon === undefined) throw new Error('neither wrk nor autocannon is available');
  const loadTool = wrk !== undefined ? 'wrk' : 'autocannon';
  const machine = machineInfo(nginx, wrk);
  const notes: string[] = [];
  log(`worv-proxy bench: cases ${o.cases.join(',')}, ${o.reps} repetition(s) of ${o.durationS} s; ${layout.description}; load: ${loadTool}`);

  const want = new Set(targetsFor(o.cases, ['1', '2', '3', '4', '5', '6'], o));
  const profileDir = join(runDir, 'profiles');
  const nodeFlags = o.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const fleet = await startFleet({ want, placement, runDir, model: o.model, pgUrl: o.pgUrl, redisUrl: o.redisUrl, nofile, nodeFlags, gatewayNodeFlags: o.gatewayNodeFlags });
  const totalsBefore = cpuTotals();
  const load1Before = load1();
  const ready = new Set<TargetName>();
  const results: CaseResults = {};
  try {
    await runCases(fleet, o, { layout, placement, runDir, nofile, ready, results, notes, log, runWrkOrAutocannon: (load, t) => {
      const url = `http://127.0.0.1:${t.port}${load.path}`;
      return wrk !== undefined ? runWrk(wrk, load, url, runDir, placement.load) : runAutocannon(autocannon as string, load, url, placement.load);
    } });
  } finally {
    await fleet.close();
  }
  // Profiles are written when the processes exit, so they are read after close().
  const profiles = o.profile ? await summarizeProfiles(profileDir, fleet.launches) : [];
  const checks = evaluateChecks(results, o.cases);
  const busy = busyShare(totalsBefore, cpuTotals());
  notes.push(`machine busy ${(busy * 100).toFixed(0)}% of ${machine.cpuCount} cores over the run (all processes, ours included); load average ${load1Before.toFixed(2)} → ${load1().toFixed(2)}`);
  const finished = new Date();
  const command = `worv-proxy bench ${argv.join(' ')}`.trimEnd();
  const header = [
    `worv-proxy bench — ${started.toISOString()} (${Math.round((finished.getTime() - started.getTime()) / 1000)} s)`,
    `command: ${command}`,
    `machine: ${machine.cpuCount} × ${machine.cpuModel}, Linux ${machine.kernel}, Node ${machine.node}, nginx ${machine.nginx ?? 'not installed'}, load: ${loadTool}${machine.wrk !== undefined && loadTool === 'wrk' ? ` ${machine.wrk}` : ''}`,
    `pinning: ${layout.description}${o.nice !== undefined ? `; every process at nice ${o.nice}` : ''}`,
    `figures: median of ${o.reps} repetition(s) (range in brackets); CPU = utime+stime from /proc/PID/stat over the measured window ÷ completed requests or streams`,
  ].join('\n');
  const text = [header, formatCases(results), 'Targets', formatChecks(checks), notes.map((n) => `note: ${n}`).join('\n'), formatProfiles(profiles)]
    .filter((s) => s !== '')
    .join('\n\n');
  const jsonPath = o.out ?? join(resultsDir, `bench-${stamp(started)}.json`);
  const json = {
    version: 1,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    command,
    machine,
    layout,
    loadTool,
    options: o,
    targets: [...want].map((t) => ({ name: t, label: TARGET_LABEL[t], measured: ready.has(t) })),
    results,
    checks,
    notes,
    profiles,
    logs: join(runDir, 'logs'),
  };
  await writeFile(jsonPath, `${JSON.stringify(json, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  if (o.out === undefined) await copyFile(jsonPath, join(resultsDir, 'latest.json'));
  return { text, jsonPath, checks };
}

interface CaseRunDeps {
  readonly layout: CpuLayout;
  readonly placement: BenchContext['placement'];
  readonly runDir: string;
  readonly nofile: number;
  readonly ready: Set<TargetName>;
  readonly results: CaseResults;
  readonly notes: string[];
  readonly log: (line: string) => void;
  readonly runWrkOrAutocannon: BenchContext['postLoad'];
}

/** Smoke-tests the targets, then runs the selected cases into `d.results`. */
async function runCases(fleet: Fleet, o: BenchOptions, d: CaseRunDeps): Promise<void> {
  const { ready, results, notes, log } = d;
  for (const [name, why] of fleet.skipped) notes.push(`${name} skipped: ${why}`);
  const smokeBody = JSON.stringify(chatBody(o.model, { stream: false }));
  for (const t of fleet.targets.values()) {
    const why = await smokeTest(t, smokeBody);
    if (why === undefined) ready.add(t.name);
    else notes.push(`${t.name} left out: ${why}`);
  }
  for (const n of notes) log(`  note: ${n}`);
  const ctx: BenchContext = { fleet, options: o, layout: d.layout, placement: d.placement, runDir: d.runDir, ready, postLoad: d.runWrkOrAutocannon, log, idleRss: new Map() };

  const post64 = targetsFor(o.cases, ['1', '6'], o);
  if (post64.length > 0) {
    log('cases 1/6: non-streaming, 64 connections');
    results.post64 = await runPostClosedLoop(ctx, post64, 64);
  }
  if (o.cases.includes('2')) {
    log('case 2: non-streaming, 1 connection');
    results.post1 = await runPostClosedLoop(ctx, CASE_TARGETS['2'], 1);
  }
  // Before the streams: the 10,000-stream hold test leaves the gateway with a large heap, and
  // every garbage collection of a 10 MiB body's objects then costs more (docs/benchmark.md).
  if (o.cases.includes('4')) {
    log('case 4: 10 MiB bodies');
    results.body = await runBigBody(ctx, CASE_TARGETS['4']);
  }
  const streams = targetsFor(o.cases, ['3', '5']);
  if (streams.length > 0) {
    log(`cases 3/5: ${o.streams} concurrent streams`);
    results.streams = await runStreams(ctx, streams, { users: o.streams, windowS: o.durationS, freshBaseline: true }, d.nofile);
  }
  if (o.cases.includes('3') && o.lightStreams > 0) {
    log(`case 3: ${o.lightStreams} concurrent streams (light load, nothing saturated)`);
    results.streamsLight = await runStreams(ctx, CASE_TARGETS['3'], { users: o.lightStreams, windowS: Math.max(1, o.durationS / 2), freshBaseline: false }, d.nofile);
  }
  if (o.cases.includes('3') && o.manyStreams > 0 && ready.has('gateway')) {
    const m = await runManyStreams(ctx, o.manyStreams, d.nofile);
    results.manyStreams = m.rows;
    notes.push(...m.notes);
  }
}
