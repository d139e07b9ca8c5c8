/**
 * Reading GPUs on the GPU host: the exact `nvidia-smi` query the agent runs, and a parser for
 * its `csv,noheader,nounits` output that never throws. `[N/A]`, `[Not Supported]` and other
 * non-numbers become null; out-of-range numbers too; a malformed line is skipped and reported.
 */
import { execFile } from 'node:child_process';
import type { GpuReading } from '../shared/api-contract.js';

export const NVIDIA_SMI_ARGS = [
  '--query-gpu=index,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw',
  '--format=csv,noheader,nounits',
] as const;

/** Upper bounds accepted by POST /api/gpu-stats, per metric (lower bound 0). */
const BOUNDS = { utilization_pct: 100, memory_used_mib: 1e9, memory_total_mib: 1e9, temperature_c: 1000, power_w: 1e6 } as const;
const METRICS = ['utilization_pct', 'memory_used_mib', 'memory_total_mib', 'temperature_c', 'power_w'] as const;

export interface ParsedGpus {
  readonly gpus: GpuReading[];
  /** One message per skipped line. */
  readonly problems: string[];
}

/** A number, tolerating a trailing unit (`97 %`, `612.50 W`) in case `nounits` was not honoured. */
function metric(raw: string, max: number): number | null {
  const m = /^(\d+(?:\.\d+)?)(?:\s*[A-Za-z%]+)?$/.exec(raw.trim());
  if (m?.[1] === undefined) return null;
  const n = Number(m[1]);
  return Number.isFinite(n) && n <= max ? n : null;
}

/** Parse `nvidia-smi` CSV output (one GPU per line). */
export function parseNvidiaSmi(output: string): ParsedGpus {
  const gpus: GpuReading[] = [];
  const problems: string[] = [];
  const seen = new Set<number>();
  for (const [i, line] of output.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length < 7) {
      problems.push(`line ${i + 1}: expected 7 fields, got ${fields.length}: ${JSON.stringify(line.slice(0, 200))}`);
      continue;
    }
    const index = /^\d{1,4}$/.test(fields[0] ?? '') ? Number(fields[0]) : NaN;
    if (!Number.isInteger(index) || index > 1023 || seen.has(index)) {
      problems.push(`line ${i + 1}: bad or repeated GPU index ${JSON.stringify(fields[0])}`);
      continue;
    }
    seen.add(index);
    // A name containing commas spreads over several fields; the 5 metrics are always last.
    const name = fields.slice(1, fields.length - 5).join(', ').slice(0, 200);
    const values = fields.slice(fields.length - 5);
    const reading: GpuReading = { index, name };
    for (const [k, key] of METRICS.entries()) reading[key] = metric(values[k] ?? '', BOUNDS[key]);
    gpus.push(reading);
  }
  return { gpus, problems };
}

/** Run a command and resolve its stdout; rejects on a non-zero exit, a missing binary or a timeout. */
export function runCommand(command: string, args: readonly string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { timeout: timeoutMs, maxBuffer: 1024 * 1024, encoding: 'utf8' }, (err: Error | null, stdout: string) => {
      // A hung command is killed at the timeout: say so instead of node's bare "Command failed".
      if (err !== null && (err as { killed?: boolean }).killed === true) reject(new Error(`${command} did not answer within ${timeoutMs / 1000} s and was stopped`));
      else if (err !== null) reject(err);
      else resolve(stdout);
    });
  });
}
