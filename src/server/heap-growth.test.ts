// The heap growth bound `serve` applies: the same churn takes several times the full collections
// and peaks well below the heap it reaches without the bound; an operator's own setting on
// node's command line is left alone.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const CHURN = fileURLToPath(new URL('../../test/helpers/heap-churn.ts', import.meta.url));

interface Churn {
  readonly outcome: string;
  readonly peakMiB: number;
  readonly majors: number;
  readonly kept: number;
}

async function churnOnce(nodeFlags: readonly string[], mode: 'bound' | 'default'): Promise<Churn> {
  const { stdout } = await promisify(execFile)(process.execPath, [...nodeFlags, '--import', 'tsx', CHURN, mode], { timeout: 60_000 });
  return JSON.parse(stdout) as Churn;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Three runs, one after another (each child's collector threads get the cores to themselves); the median peak and count. */
async function churn(nodeFlags: readonly string[], mode: 'bound' | 'default'): Promise<Churn> {
  const runs: Churn[] = [];
  for (let i = 0; i < 3; i++) runs.push(await churnOnce(nodeFlags, mode));
  return { outcome: runs[0]!.outcome, peakMiB: median(runs.map((r) => r.peakMiB)), majors: median(runs.map((r) => r.majors)), kept: runs[0]!.kept };
}

describe('boundHeapGrowth', () => {
  it('collects fully about twice as often and keeps the heap peak lower; an operator\'s --heap-growing-percent wins', async () => {
    const unbounded = await churn([], 'default');
    const bounded = await churn([], 'bound');
    const operator = await churn(['--heap-growing-percent=300'], 'bound');
    expect([unbounded.kept, bounded.kept, operator.kept]).toEqual([24_000, 24_000, 24_000]);
    expect(bounded.outcome).toBe('bounded');
    expect(operator.outcome).toBe('operator');
    // About 75 MiB live, 1.2 GB promoted: V8's default collects fully 4–6 times and lets the heap
    // reach 310–545 MiB; the bound collects 9–16 times and peaks at 175–300 MiB (Node 20, 22, 24).
    // A single run's peak moves with the machine's load (one busy CI run: 284 bounded against 334
    // default), so each figure is the median of three runs and the margins are wide enough for a
    // busy machine while still failing without the bound.
    expect(bounded.majors).toBeGreaterThanOrEqual(unbounded.majors * 1.5);
    expect(bounded.peakMiB).toBeLessThan(unbounded.peakMiB * 0.9);
    // The operator's 300 % is V8's own maximum: it collects like the default.
    expect(operator.majors).toBeLessThanOrEqual(unbounded.majors + 1);
    expect(operator.majors).toBeLessThan(bounded.majors);
  }, 180_000);
});
