/**
 * The benchmark's output: one table per case, direct and the references beside the gateway
 * (medians over repetitions, with their range), the target checks, and the JSON written to
 * bench-results/.
 */
import type { Check } from './checks.js';
import type { LabelledProfile } from './profile-summary.js';
import { medianAdded } from './checks.js';
import type { CaseResults } from './results.js';
import { fmt, fmtReps, pipeTable } from './table.js';
import { TARGET_ORDER, type TargetName } from './targets.js';

type Row = { readonly target: TargetName; readonly rep: number };

function targetsIn<R extends Row>(rows: readonly R[]): TargetName[] {
  return TARGET_ORDER.filter((t) => rows.some((r) => r.target === t));
}

function values<R extends Row>(rows: readonly R[], t: TargetName, pick: (r: R) => number): number[] {
  return rows.filter((r) => r.target === t && r.rep >= 0).map(pick);
}

function ratioTo<R extends Row>(rows: readonly R[], t: TargetName, ref: TargetName, pick: (r: R) => number): string {
  const a = values(rows, t, pick).sort((x, y) => x - y);
  const b = values(rows, ref, pick).sort((x, y) => x - y);
  const m = (v: number[]): number => (v.length === 0 ? NaN : v.length % 2 === 1 ? (v[v.length >> 1] as number) : ((v[v.length / 2 - 1] as number) + (v[v.length / 2] as number)) / 2);
  const r = m(a) / m(b);
  return Number.isFinite(r) && t !== ref ? `${r.toFixed(2)}×` : '';
}

/** The tables for every case that ran. */
export function formatCases(r: CaseResults): string {
  const out: string[] = [];
  if (r.post64 !== undefined && r.post64.length > 0) {
    const rows = r.post64;
    out.push('Cases 1 and 6: non-streaming chat, 64 connections, closed loop');
    out.push(pipeTable(
      ['target', 'req/s', 'p50 ms', 'p99 ms', 'proxy CPU µs/req', 'vs node', 'vs nginx', 'proxy core %', 'sim CPU µs/req', 'errors'],
      targetsIn(rows).map((t) => [
        t,
        fmtReps(values(rows, t, (x) => x.rps), 0),
        fmtReps(values(rows, t, (x) => x.p50Us / 1000), 2),
        fmtReps(values(rows, t, (x) => x.p99Us / 1000), 2),
        fmtReps(values(rows, t, (x) => x.cpuUsPerReq), 1),
        ratioTo(rows, t, 'node', (x) => x.cpuUsPerReq),
        ratioTo(rows, t, 'nginx', (x) => x.cpuUsPerReq),
        fmtReps(values(rows, t, (x) => x.proxyCorePct), 0),
        fmtReps(values(rows, t, (x) => x.simCpuUsPerReq), 1),
        String(values(rows, t, (x) => x.errors).reduce((a, b) => a + b, 0)),
      ]),
    ));
  }
  if (r.post1 !== undefined && r.post1.length > 0) {
    const rows = r.post1;
    out.push('Case 2: non-streaming chat, one connection');
    out.push(pipeTable(
      ['target', 'req/s', 'p50 µs', 'p99 µs', 'added p50 µs', 'proxy CPU µs/req', 'errors'],
      targetsIn(rows).map((t) => [
        t,
        fmtReps(values(rows, t, (x) => x.rps), 0),
        fmtReps(values(rows, t, (x) => x.p50Us), 0),
        fmtReps(values(rows, t, (x) => x.p99Us), 0),
        t === 'direct' ? '' : fmt(medianAdded(rows, t, (x) => x.p50Us), 0),
        fmtReps(values(rows, t, (x) => x.cpuUsPerReq), 1),
        String(values(rows, t, (x) => x.errors).reduce((a, b) => a + b, 0)),
      ]),
    ));
  }
  if (r.streams !== undefined && r.streams.length > 0) {
    const rows = r.streams;
    const users = rows[0]?.users ?? 0;
    out.push(`Cases 3 and 5: ${users} concurrent SSE streams, 50 chunks at 20 ms`);
    out.push(pipeTable(
      ['target', 'streams/s', 'open', 'proxy CPU ms/stream', 'vs node', 'vs nginx', 'proxy core %', 'sim core %', 'KB/open stream', 'TTFB p50 ms', 'added', 'first data p50 ms', 'gap p50/p99 ms', 'stream p50 ms', 'errors'],
      targetsIn(rows).map((t) => [
        t,
        fmtReps(values(rows, t, (x) => x.streamsPerS), 0),
        fmtReps(values(rows, t, (x) => x.openMedian), 0),
        fmtReps(values(rows, t, (x) => x.cpuMsPerStream), 2),
        ratioTo(rows, t, 'node', (x) => x.cpuMsPerStream),
        ratioTo(rows, t, 'nginx', (x) => x.cpuMsPerStream),
        fmtReps(values(rows, t, (x) => x.proxyCorePct), 0),
        fmtReps(values(rows, t, (x) => x.simCorePct), 0),
        fmtReps(values(rows, t, (x) => x.kbPerStream), 1),
        fmtReps(values(rows, t, (x) => x.ttfbP50Ms), 2),
        t === 'direct' ? '' : fmt(medianAdded(rows, t, (x) => x.ttfbP50Ms), 2),
        fmtReps(values(rows, t, (x) => x.ttfdP50Ms), 2),
        `${fmtReps(values(rows, t, (x) => x.gapP50Ms), 1)} / ${fmtReps(values(rows, t, (x) => x.gapP99Ms), 1)}`,
        fmtReps(values(rows, t, (x) => x.durationP50Ms), 0),
        String(values(rows, t, (x) => x.errors).reduce((a, b) => a + b, 0)),
      ]),
    ));
  }
  if (r.streamsLight !== undefined && r.streamsLight.length > 0) {
    const rows = r.streamsLight;
    out.push(`Case 3 at light load: ${rows[0]?.users ?? 0} concurrent streams, 50 chunks at 20 ms (nothing saturated: each proxy's own cost and latency)`);
    out.push(pipeTable(
      ['target', 'streams/s', 'proxy CPU ms/stream', 'vs node', 'vs nginx', 'proxy core %', 'TTFB p50 ms', 'added', 'gap p50/p99 ms', 'stream p50 ms', 'errors'],
      targetsIn(rows).map((t) => [
        t,
        fmtReps(values(rows, t, (x) => x.streamsPerS), 0),
        fmtReps(values(rows, t, (x) => x.cpuMsPerStream), 2),
        ratioTo(rows, t, 'node', (x) => x.cpuMsPerStream),
        ratioTo(rows, t, 'nginx', (x) => x.cpuMsPerStream),
        fmtReps(values(rows, t, (x) => x.proxyCorePct), 0),
        fmtReps(values(rows, t, (x) => x.ttfbP50Ms), 2),
        t === 'direct' ? '' : fmt(medianAdded(rows, t, (x) => x.ttfbP50Ms), 2),
        `${fmtReps(values(rows, t, (x) => x.gapP50Ms), 1)} / ${fmtReps(values(rows, t, (x) => x.gapP99Ms), 1)}`,
        fmtReps(values(rows, t, (x) => x.durationP50Ms), 0),
        String(values(rows, t, (x) => x.errors).reduce((a, b) => a + b, 0)),
      ]),
    ));
  }
  if (r.manyStreams !== undefined && r.manyStreams.length > 0) {
    out.push('Case 3: hold test (streams of 20 tokens at 1 s, connections opened at 500 a second)');
    out.push(pipeTable(
      ['target', 'users', 'all opened', 'open (median)', 'completed', 'errors', 'proxy CPU ms/stream', 'proxy core %', 'KB/open stream', 'RSS peak MB', 'TTFB p50/p99 ms'],
      r.manyStreams.map((x) => [
        x.target, String(x.users), x.allOpened ? 'yes' : 'no', fmt(x.openMedian, 0), String(x.completed), String(x.errors),
        fmt(x.cpuMsPerStream, 2), fmt(x.proxyCorePct, 0), fmt(x.kbPerStream, 1), fmt(x.rssPeakMb, 0), `${fmt(x.ttfbP50Ms, 1)} / ${fmt(x.ttfbP99Ms, 1)}`,
      ]),
    ));
  }
  if (r.body !== undefined && r.body.length > 0) {
    const rows = r.body;
    out.push('Case 4: 10 MiB request body, one connection, sequential');
    const kinds = ['chat', 'embeddings'] as const;
    out.push(pipeTable(
      ['target', 'chat p50 ms', 'chat added ms', 'embeddings p50 ms', 'embeddings added ms', 'non-200'],
      targetsIn(rows).map((t) => [
        t,
        ...kinds.flatMap((k) => {
          const sub = rows.filter((x) => x.kind === k);
          return [fmtReps(values(sub, t, (x) => x.p50Ms), 1), t === 'direct' ? '' : fmt(medianAdded(sub, t, (x) => x.p50Ms), 1)];
        }),
        String(rows.filter((x) => x.target === t).reduce((a, x) => a + Object.entries(x.statuses).filter(([s]) => s !== '200').reduce((b, [, n]) => b + n, 0), 0)),
      ]),
    ));
    const capped = rows.find((x) => x.target === 'gateway' && x.kind === 'chat' && x.capped !== undefined)?.capped;
    out.push(`gateway's x-worv-max-tokens-capped on the chat body: ${capped ?? 'absent (the body was not capped)'}`);
  }
  return out.join('\n\n');
}

/** The target checks as a table. */
export function formatChecks(checks: readonly Check[]): string {
  return pipeTable(
    ['case', 'target', 'measured', 'limit', 'result', 'detail'],
    checks.map((c) => [
      c.case,
      c.what,
      c.unit === '×' ? `${fmt(c.value, 2)}×` : `${fmt(c.value, c.unit === 'errors' ? 0 : 2)} ${c.unit}`,
      c.unit === '×' ? `≤ ${c.limit}×` : `≤ ${c.limit} ${c.unit}`,
      c.pass === undefined ? 'not measured' : c.pass ? 'PASS' : 'MISS',
      c.detail,
    ]),
    [1, 5],
  );
}

/** Top frames of each CPU profile (`--profile`). */
export function formatProfiles(profiles: readonly LabelledProfile[]): string {
  return profiles
    .map((p) => {
      const s = p.summary;
      const busy = s.totalMs - s.idleMs;
      const head = `Profile: ${p.label}: ${fmt(busy / 1000, 1)} s busy of ${fmt(s.totalMs / 1000, 1)} s (${p.file})`;
      const fns = pipeTable(['self time, top functions', 'ms', 'share'], s.topFunctions.map((f) => [f.name, fmt(f.ms, 0), `${fmt(f.share * 100, 1)}%`]));
      const row = (f: { name: string; ms: number; share: number }): string[] => [f.name, fmt(f.ms, 0), `${fmt(f.share * 100, 1)}%`];
      const incl = pipeTable(['total time (self + callees), top functions', 'ms', 'share'], s.topInclusive.map(row));
      const pkgs = pipeTable(['self time by package', 'ms', 'share'], s.topPackages.slice(0, 10).map(row));
      return [head, fns, incl, pkgs].join('\n\n');
    })
    .join('\n\n');
}
