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
  it('collects fully about twice as often and keeps the heap peak lower; an operator\'s --heap-growing-percent wins', async () => {
    // One after another: each child's collector threads get the cores to themselves.
    const unbounded = await churn([], 'default');
    const bounded = await churn([], 'bound');
    const operator = await churn(['--heap-growing-percent=300'], 'bound');
    expect([unbounded.kept, bounded.kept, operator.kept]).toEqual([24_000, 24_000, 24_000]);
    expect(bounded.outcome).toBe('bounded');
    expect(operator.outcome).toBe('operator');
    // About 75 MiB live, 1.2 GB promoted: V8's default collects fully 4–6 times and lets the heap
    // reach 310–545 MiB; the bound collects 9–16 times and peaks at 175–300 MiB (Node 20, 22, 24).
    // How many collections a run takes moves with the machine's load, so the margins are wide
    // enough for a busy machine and still fail without the bound.
    expect(bounded.majors).toBeGreaterThanOrEqual(unbounded.majors * 1.5);
    expect(bounded.peakMiB).toBeLessThan(unbounded.peakMiB * 0.85);
    // The operator's 300 % is V8's own maximum: it collects like the default.
    expect(operator.majors).toBeLessThanOrEqual(unbounded.majors + 1);
    expect(operator.majors).toBeLessThan(bounded.majors);
  }, 90_000);
});
