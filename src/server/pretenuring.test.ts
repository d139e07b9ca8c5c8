// Pretenuring turned off as `serve` does: V8 stops digesting allocation-site feedback at young
// collections (so it can never decide to pretenure); an operator's own flag on node's command line wins.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const BURST = fileURLToPath(new URL('../../test/helpers/pretenure-burst.ts', import.meta.url));

async function burst(nodeFlags: readonly string[], mode: 'stop' | 'default'): Promise<{ outcome: string; feedback: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--trace-pretenuring-statistics', ...nodeFlags, '--import', 'tsx', BURST, mode], {
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const lines = stdout.split('\n');
  const result = lines.find((l) => l.startsWith('{'));
  return { outcome: (JSON.parse(result ?? '{}') as { outcome: string }).outcome, feedback: lines.filter((l) => l.includes('pretenuring:')).length };
}

describe('stopPretenuring', () => {
  it('V8 digests no allocation-site feedback once it is applied; an operator\'s --allocation-site-pretenuring wins', async () => {
    const untouched = await burst([], 'default');
    const stopped = await burst([], 'stop');
    const operator = await burst(['--allocation-site-pretenuring'], 'stop');
    expect(untouched).toMatchObject({ outcome: 'default' });
    expect(untouched.feedback).toBeGreaterThan(0);
    expect(stopped).toEqual({ outcome: 'stopped', feedback: 0 });
    expect(operator.outcome).toBe('operator');
    expect(operator.feedback).toBeGreaterThan(0);
  }, 90_000);
});
