/**
 * Which cores the benchmark's processes run on. The proxy under test gets a core of its own;
 * the simulator and the load generators share the rest. On two cores that is: simulator, load
 * and harness on the first, every proxy (one is under load at a time) on the second.
 */
import { readFileSync } from 'node:fs';

/** taskset CPU lists per role; all undefined = nothing pinned. */
export interface CpuLayout {
  readonly proxy: string | undefined;
  readonly backend: string | undefined;
  readonly load: string | undefined;
  /** One line for the report. */
  readonly description: string;
}

/** Parses a CPU list such as `0-3,6` into core numbers. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (m === null) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let c = a; c <= b; c++) out.push(c);
  }
  return out;
}

/** The cores this process may run on (Cpus_allowed_list), or [] when unknown. */
export function allowedCpus(): number[] {
  try {
    const m = /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m === null ? [] : parseCpuList(m[1] ?? '');
  } catch {
    return [];
  }
}

/** The layout for these cores; `pin: false` or a single core leaves everything unpinned. */
export function chooseLayout(cpus: readonly number[], pin: boolean): CpuLayout {
  if (!pin || cpus.length < 2) {
    return { proxy: undefined, backend: undefined, load: undefined, description: pin ? 'not pinned (fewer than 2 cores available)' : 'not pinned (--no-pin)' };
  }
  const [first, second, ...rest] = cpus as [number, number, ...number[]];
  const proxy = String(second);
  const backend = String(first);
  const load = rest.length > 0 ? rest.join(',') : backend;
  return {
    proxy,
    backend,
    load,
    description: rest.length > 0
      ? `proxy under test alone on core ${proxy}; simulator on core ${backend}; load generators on cores ${load}`
      : `proxy under test alone on core ${proxy}; simulator, load generators and harness share core ${backend}`,
  };
}
