// The heap growth bound `serve` applies: the same churn peaks at less than half the heap
// without it, and an operator's own setting on node's command line is left alone.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const CHURN = fileURLToPath(new URL('../../test/helpers/heap-churn.ts', import.meta.url));

interface Churn {
  readonly outcome: string;
  readonly peakMiB: number;
  readonly kept: number;
}

async function churn(nodeFlags: readonly string[], mode: 'bound' | 'default'): Promise<Churn> {
  const { stdout } = await promisify(execFile)(process.execPath, [...nodeFlags, '--import', 'tsx', CHURN, mode], { timeout: 60_000 });
  return JSON.parse(stdout) as Churn;
}

describe('boundHeapGrowth', () => {
  it('keeps the heap peak of a churning process under 60% of V8\'s default; an operator\'s --heap-growing-percent wins', async () => {
    const [unbounded, bounded, operator] = await Promise.all([churn([], 'default'), churn([], 'bound'), churn(['--heap-growing-percent=300'], 'bound')]);
    expect([unbounded.kept, bounded.kept, operator.kept]).toEqual([24_000, 24_000, 24_000]);
    expect(bounded.outcome).toBe('bounded');
    expect(operator.outcome).toBe('operator');
    // About 75 MiB live: V8's default lets the heap reach about 330 MiB, the bound about 145.
    expect(bounded.peakMiB).toBeLessThan(unbounded.peakMiB * 0.6);
    expect(operator.peakMiB).toBeGreaterThan(bounded.peakMiB * 1.5);
  }, 90_000);
});
