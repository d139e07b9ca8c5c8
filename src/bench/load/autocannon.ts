/**
 * Closed-loop non-streaming load with autocannon (npm), the fallback when wrk is not
 * installed. It runs as its own process (its CLI with --json), never inside the harness.
 */
import { createRequire } from 'node:module';
import { placed, runToEnd, type Placement } from '../processes.js';
import type { LoadResult, PostLoad } from './post-load.js';

/** The autocannon CLI script, or undefined when the package is not installed. */
export function findAutocannon(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  } catch {
    return undefined;
  }
}

interface AutocannonJson {
  requests?: { total?: number };
  duration?: number;
  errors?: number;
  timeouts?: number;
  non2xx?: number;
  latency?: { p50?: number; p90?: number; p99?: number; average?: number };
}

/** Runs autocannon against `url` and returns its summary. */
export async function runAutocannon(script: string, load: PostLoad, url: string, where: Placement): Promise<LoadResult> {
  const args = [script, '--json', '-c', String(load.connections), '-d', String(load.durationS), '-m', 'POST', '-b', load.body];
  for (const [k, v] of Object.entries(load.headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  const [cmd = process.execPath, ...argv] = placed([process.execPath, ...args], where);
  const out = await runToEnd(cmd, argv);
  let j: AutocannonJson;
  try {
    j = JSON.parse(out.stdout) as AutocannonJson;
  } catch {
    throw new Error(`autocannon failed (exit ${out.code}): ${out.stderr.trim()}`);
  }
  const ms = (v: number | undefined): number => (v ?? NaN) * 1000;
  return {
    requests: j.requests?.total ?? 0,
    durationS: j.duration ?? load.durationS,
    errors: (j.errors ?? 0) + (j.timeouts ?? 0) + (j.non2xx ?? 0),
    p50Us: ms(j.latency?.p50),
    p90Us: ms(j.latency?.p90),
    p99Us: ms(j.latency?.p99),
    meanUs: ms(j.latency?.average),
  };
}
