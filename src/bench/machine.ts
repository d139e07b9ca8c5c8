/**
 * A description of the machine and of how busy it was, for the report: shared machines make
 * wall-clock figures noisy, and the reader should see how noisy.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly node: string;
  readonly nginx: string | undefined;
  readonly wrk: string | undefined;
  readonly kernel: string;
}

function version(cmd: string, args: string[], re: RegExp): string | undefined {
  // nginx -v prints on stderr; wrk -v exits 1: read both streams, whatever the status.
  const out = spawnSync(cmd, args, { encoding: 'utf8' });
  return re.exec(`${out.stdout ?? ''}${out.stderr ?? ''}`)?.[1];
}

/** What this machine is. */
export function machineInfo(nginx: string | undefined, wrk: string | undefined): MachineInfo {
  let kernel = '';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    kernel = 'unknown';
  }
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpuCount: cpus().length,
    node: process.version,
    nginx: nginx === undefined ? undefined : version(nginx, ['-v'], /nginx\/(\S+)/),
    wrk: wrk === undefined ? undefined : version(wrk, ['-v'], /wrk (\S+)/),
    kernel,
  };
}

/** Total and idle CPU time of the machine, from /proc/stat, in clock ticks. */
export interface CpuTotals {
  readonly busy: number;
  readonly total: number;
}

/** Reads the aggregate `cpu` line of /proc/stat. */
export function cpuTotals(): CpuTotals {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

/** Machine-wide busy share between two readings, 0..1. */
export function busyShare(a: CpuTotals, b: CpuTotals): number {
  return (b.busy - a.busy) / (b.total - a.total);
}

/** The 1-minute load average. */
export function load1(): number {
  return loadavg()[0] ?? NaN;
}
