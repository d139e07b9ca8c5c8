/**
 * The performance targets (docs/benchmark.md) as checks over one run's results: each is a ratio (or a difference) of
 * medians across repetitions, gateway against the references measured in the same run.
 */
import type { CaseId } from './options.js';
import type { CaseResults } from './results.js';
import type { StreamRep } from './scenarios/streams.js';
import { median } from './stats.js';
import type { TargetName } from './targets.js';

export interface Check {
  readonly case: CaseId;
  readonly what: string;
  /** The measured figure (a ratio or an amount in `unit`); NaN when not measured. */
  readonly value: number;
  readonly limit: number;
  readonly unit: string;
  /** undefined = not measured in this run (case not selected or a target missing). */
  readonly pass: boolean | undefined;
  readonly detail: string;
}

type Row = { readonly target: TargetName; readonly rep: number };

/** Median over repetitions of `pick(row)` for one target. */
function medianOf<R extends Row>(rows: readonly R[] | undefined, target: TargetName, pick: (r: R) => number): number {
  return median((rows ?? []).filter((r) => r.target === target && r.rep >= 0).map(pick));
}

/** Median over repetitions of (target − direct) for the same repetition. */
export function medianAdded<R extends Row>(rows: readonly R[] | undefined, target: TargetName, pick: (r: R) => number, extra: (r: R) => boolean = () => true): number {
  const list = (rows ?? []).filter(extra);
  const diffs: number[] = [];
  for (const r of list) {
    if (r.target !== target || r.rep < 0) continue;
    const d = list.find((x) => x.target === 'direct' && x.rep === r.rep);
    if (d !== undefined) diffs.push(pick(r) - pick(d));
  }
  return median(diffs);
}

function check(c: CaseId, what: string, value: number, limit: number, unit: string, detail: string, lessIsBetter = true): Check {
  const pass = Number.isFinite(value) ? (lessIsBetter ? value <= limit : value >= limit) : undefined;
  return { case: c, what, value, limit, unit, pass, detail };
}

const f = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

/** An added figure with its sign: +1.5, -0.3. */
const signed = (n: number, d = 1): string => (Number.isFinite(n) ? `${n < 0 ? '-' : '+'}${f(Math.abs(n), d)}` : 'n/a');

/** nginx's figure beside a check's detail, when nginx ran ('+': an added figure, shown with its sign). */
const nginx = (v: number, unit: string, sign = '', d = 1): string => (Number.isFinite(v) ? `; nginx ${sign === '+' ? signed(v, d) : f(v, d)}${unit}` : '');

/**
 * Gateway ÷ bare Node of an added latency (each minus the direct run's). An added figure at or
 * below zero, the gateway's or the pass-through's, is inside the noise of the direct run: no
 * ratio is judged then.
 */
function ratioOfAdded(c: CaseId, what: string, g: number, n: number, limit: number, tail: string, d = 1): Check {
  const why = !(n > 0) ? 'the bare pass-through adds nothing measurable here' : !(g > 0) ? "the gateway's added figure is at or below zero, inside the direct run's noise" : undefined;
  const detail = `${signed(g, d)} vs ${signed(n, d)}${tail}${why === undefined ? '' : `: ${why}`}`;
  return check(c, what, why === undefined ? g / n : NaN, limit, '×', detail);
}

/** Evaluates every performance target that this run measured. */
export function evaluateChecks(r: CaseResults, cases: readonly CaseId[]): Check[] {
  const out: Check[] = [];
  const has = (c: CaseId): boolean => cases.includes(c);
  if (has('1')) {
    const g = medianOf(r.post64, 'gateway', (x) => x.cpuUsPerReq);
    const n = medianOf(r.post64, 'node', (x) => x.cpuUsPerReq);
    const x = medianOf(r.post64, 'nginx', (y) => y.cpuUsPerReq);
    out.push(check('1', 'CPU per non-streaming request, gateway ÷ bare Node (64 connections)', g / n, 1.0, '×', `${f(g)} µs vs ${f(n)} µs${nginx(x, ' µs')}`));
    const gp = medianAdded(r.post64, 'gateway', (y) => y.p99Us) / 1000;
    const np = medianAdded(r.post64, 'node', (y) => y.p99Us) / 1000;
    const xp = medianAdded(r.post64, 'nginx', (y) => y.p99Us) / 1000;
    out.push(ratioOfAdded('1', 'added p99 latency, gateway ÷ bare Node (64 connections)', gp, np, 1.2, ` ms${nginx(xp, ' ms', '+')}`));
  }
  if (has('1') && (r.post64 ?? []).some((x) => x.target === 'gateway-limits' || x.target === 'gateway-limits-redis')) {
    const g = medianOf(r.post64, 'gateway', (x) => x.cpuUsPerReq);
    const l = medianOf(r.post64, 'gateway-limits', (x) => x.cpuUsPerReq);
    const lr = medianOf(r.post64, 'gateway-limits-redis', (x) => x.cpuUsPerReq);
    out.push(check('1', 'CPU per non-streaming request, every limit set ÷ none (counters in the process)', l / g, 1.15, '×', `${f(l)} µs vs ${f(g)} µs`));
    out.push(check('1', 'CPU per non-streaming request, every limit set ÷ none (counters in Redis)', lr / g, 1.5, '×', `${f(lr)} µs vs ${f(g)} µs`));
  }
  if (has('1') && (r.post64 ?? []).some((x) => x.target === 'gateway-nolog')) {
    const g = medianOf(r.post64, 'gateway', (x) => x.cpuUsPerReq);
    const off = medianOf(r.post64, 'gateway-nolog', (x) => x.cpuUsPerReq);
    out.push(check('1', 'CPU per non-streaming request, request log on ÷ off', g / off, 1.05, '×', `${f(g)} µs vs ${f(off)} µs`));
  }
  if (has('2')) {
    const g = medianAdded(r.post1, 'gateway', (x) => x.p50Us);
    const n = medianAdded(r.post1, 'node', (x) => x.p50Us);
    const x = medianAdded(r.post1, 'nginx', (y) => y.p50Us);
    out.push(ratioOfAdded('2', 'added p50 latency on one connection, gateway ÷ bare Node', g, n, 1.3, ` µs${nginx(x, ' µs', '+')}`));
  }
  if (has('3')) {
    const g = medianOf(r.streams, 'gateway', (x) => x.cpuMsPerStream);
    const n = medianOf(r.streams, 'node', (x) => x.cpuMsPerStream);
    const x = medianOf(r.streams, 'nginx', (y) => y.cpuMsPerStream);
    out.push(check('3', 'CPU per stream, gateway ÷ bare Node', g / n, 1.0, '×', `${f(g, 2)} ms vs ${f(n, 2)} ms${nginx(x, ' ms', '', 2)}`));
    const gm = medianOf(r.streams, 'gateway', (x) => x.kbPerStream);
    const nm = medianOf(r.streams, 'node', (x) => x.kbPerStream);
    // Below ~1,000 streams the growth can be smaller than RSS noise (even negative): not a figure.
    const memOk = gm > 0 && nm > 0;
    out.push(check('3', 'memory per open stream, gateway ÷ bare Node', memOk ? gm / nm : NaN, 1, '×', memOk ? `${f(gm)} KB vs ${f(nm)} KB` : `${f(gm)} KB vs ${f(nm)} KB: RSS noise exceeds the streams' memory, run more streams`));
    for (const [p, limit] of [['p50', 1.0], ['p99', 1.2]] as const) {
      const pick = (y: StreamRep): number => (p === 'p50' ? y.ttfbP50Ms : y.ttfbP99Ms);
      const gt = medianAdded(r.streams, 'gateway', pick);
      const nt = medianAdded(r.streams, 'node', pick);
      const xt = medianAdded(r.streams, 'nginx', pick);
      out.push(ratioOfAdded('3', `added time to first byte, ${p}, gateway ÷ bare Node`, gt, nt, limit, ` ms${nginx(xt, ' ms', '+', 2)}`, 2));
    }
    if (r.streamsLight !== undefined && r.streamsLight.length > 0) {
      const users = r.streamsLight[0]?.users ?? 0;
      const lg = medianOf(r.streamsLight, 'gateway', (x) => x.cpuMsPerStream);
      const ln = medianOf(r.streamsLight, 'node', (x) => x.cpuMsPerStream);
      out.push(check('3', `CPU per stream at ${users} streams (light load), gateway ÷ bare Node`, lg / ln, 1.0, '×', `${f(lg, 2)} ms vs ${f(ln, 2)} ms`));
      const lt = medianAdded(r.streamsLight, 'gateway', (x) => x.ttfbP50Ms);
      const lnt = medianAdded(r.streamsLight, 'node', (x) => x.ttfbP50Ms);
      out.push(check('3', `added time to first byte, p50, at ${users} streams (light load)`, lt, 1, 'ms', `bare Node adds ${f(lnt, 2)} ms`));
    }
    const many = (r.manyStreams ?? []).find((x) => x.target === 'gateway');
    if (many !== undefined) {
      const ok = many.errors === 0 && many.allOpened && many.completed > 0;
      out.push({
        case: '3',
        what: `${many.users} concurrent streams held with no error`,
        value: many.errors,
        limit: 0,
        unit: 'errors',
        pass: ok,
        detail: `${many.allOpened ? 'all opened' : 'not all opened'}, median open ${f(many.openMedian, 0)}, ${many.completed} completed, ${many.errors} errors${many.firstErrors.length > 0 ? ` (${many.firstErrors.join('; ')})` : ''}`,
      });
    }
  }
  if (has('4')) {
    const chat = medianAdded(r.body, 'gateway', (x) => x.p50Ms, (x) => x.kind === 'chat');
    const emb = medianAdded(r.body, 'gateway', (x) => x.p50Ms, (x) => x.kind === 'embeddings');
    out.push(check('4', '10 MiB chat body, max_tokens capped: added latency', chat, 40, 'ms', 'gateway p50 minus direct p50'));
    out.push(check('4', '10 MiB body on an unshaped path (/v1/embeddings): added latency', emb, 10, 'ms', 'gateway p50 minus direct p50'));
  }
  if (has('5')) {
    const on = medianOf(r.streams, 'gateway-han', (x) => x.cpuMsPerStream);
    const off = medianOf(r.streams, 'gateway', (x) => x.cpuMsPerStream);
    out.push(check('5', 'CPU per stream, Han filter on ÷ off', on / off, 2, '×', `${f(on, 2)} ms vs ${f(off, 2)} ms`));
  }
  if (has('6')) {
    const pg = medianOf(r.post64, 'gateway-pg', (x) => x.cpuUsPerReq);
    const sq = medianOf(r.post64, 'gateway', (x) => x.cpuUsPerReq);
    out.push(check('6', 'CPU per request, usage on Postgres ÷ SQLite (64 connections)', pg / sq, 1.5, '×', `${f(pg)} µs vs ${f(sq)} µs`));
  }
  return out;
}
