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

async function churn(nodeFlags: readonly string[], mode: 'bound' | 'default'): Promise<Churn> {
  const { stdout } = await promisify(execFile)(process.execPath, [...nodeFlags, '--import', 'tsx', CHURN, mode], { timeout: 60_000 });
  return JSON.parse(stdout) as Churn;
}

describe('boundHeapGrowth', () => {
  it('collects fully several times as often and keeps the heap peak lower; an operator\'s --heap-growing-percent wins', async () => {
    // One after another: each child's collector threads get the cores to themselves.
    const unbounded = await churn([], 'default');
    const bounded = await churn([], 'bound');
    const operator = await churn(['--heap-growing-percent=300'], 'bound');
    expect([unbounded.kept, bounded.kept, operator.kept]).toEqual([24_000, 24_000, 24_000]);
    expect(bounded.outcome).toBe('bounded');
    expect(operator.outcome).toBe('operator');
    // About 75 MiB live, 1.2 GB promoted: V8's default collects fully about 6 times and lets the
    // heap reach 320–380 MiB; the bound collects 20–24 times and peaks at 125–180 MiB (Node 22 and 24).
    expect(bounded.majors).toBeGreaterThanOrEqual(unbounded.majors * 2.5);
    expect(bounded.peakMiB).toBeLessThan(unbounded.peakMiB * 0.8);
    expect(operator.majors).toBeLessThan(bounded.majors / 2);
  }, 90_000);
});
