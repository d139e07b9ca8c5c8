/**
 * Reads V8 .cpuprofile files (written by `node --cpu-prof`, see `worv-proxy bench --profile`)
 * and reports where the time went: the top functions by self time, and self time grouped by
 * file or package, so a missed target comes with the frames to look at.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

/** The parts of a .cpuprofile this module reads. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface FrameTime {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Time outside (idle) excluded from shares. */
  readonly idleMs: number;
  readonly topFunctions: readonly FrameTime[];
  /** Time spent in a function or anything it called (each sample counted once per function). */
  readonly topInclusive: readonly FrameTime[];
  readonly topFiles: readonly FrameTime[];
  /** Self time per npm package, per gateway directory (`dist/store`), Node's own JS, native. */
  readonly topPackages: readonly FrameTime[];
}

/** Where a script lives, shortened: `undici/lib/dispatcher/client-h1.js`, `dist/data-plane/exchange.js`, `node:internal/...`. */
export function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

/** The package a script belongs to: `undici`, `@fastify/x`, `dist/data-plane`, `node`, `(native)`. */
function packageOf(url: string): string {
  if (url === '') return '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') === true ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? url);
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1).split('/').slice(0, 2).join('/');
  if (url.startsWith('node:')) return 'node (JS)';
  return shortUrl(url);
}

function nameOf(f: CallFrame): string {
  return `${f.functionName === '' ? '(anonymous)' : f.functionName} ${shortUrl(f.url)}${f.url === '' ? '' : `:${f.lineNumber + 1}`}`;
}

const NOT_INCLUSIVE = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

/** Self time per function and per file, largest first; idle and GC are named as V8 names them. */
export function summarizeProfile(p: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) byId.set(n.id, n);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  const packages = new Map<string, number>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (n === undefined) continue;
    const { functionName, url } = n.callFrame;
    total += us;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    const file = shortUrl(url);
    const key = nameOf(n.callFrame);
    fns.set(key, (fns.get(key) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
    const pkg = packageOf(url);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (n === undefined || NOT_INCLUSIVE.has(n.callFrame.functionName)) continue;
      const key = nameOf(n.callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const busy = Math.max(1, total - idle);
  const list = (m: Map<string, number>): FrameTime[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: us / busy }));
  return { totalMs: total / 1000, idleMs: idle / 1000, topFunctions: list(fns), topInclusive: list(inclusive), topFiles: list(files), topPackages: list(packages) };
}

/** One profile file, labelled with the target it belongs to. */
export interface LabelledProfile {
  readonly label: string;
  readonly file: string;
  readonly summary: ProfileSummary;
}

/**
 * Summarises every .cpuprofile in `dir`, labelled by the process that wrote it (the file name
 * carries the PID: CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile).
 */
export async function summarizeProfiles(dir: string, launches: readonly { readonly target: string; readonly pid: number; readonly why: string }[]): Promise<LabelledProfile[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort();
  } catch {
    return [];
  }
  const out: LabelledProfile[] = [];
  for (const f of files) {
    const pid = Number(f.split('.')[3]);
    const l = launches.find((x) => x.pid === pid);
    const p = JSON.parse(await readFile(join(dir, f), 'utf8')) as CpuProfile;
    out.push({ label: l === undefined ? `pid ${pid}` : `${l.target} (pid ${pid}, ${l.why})`, file: join(dir, f), summary: summarizeProfile(p) });
  }
  return out;
}
