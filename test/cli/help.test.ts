// Every command answers --help and -h with its usage on stdout and exit 0, even next to
// other flags, and without touching the store.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

afterEach(() => {
  vi.restoreAllMocks();
});

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, out, err };
}

describe('--help on every command', () => {
  it.each([
    [['serve', '--help'], 'worv-proxy serve'],
    [['demo', '-h'], 'worv-proxy demo'],
    [['gpu-agent', '--help'], 'worv-proxy gpu-agent'],
    [['gpu-agent', '--url', 'http://x', '--help'], 'worv-proxy gpu-agent'],
    [['keys', '--help'], 'worv-proxy keys create'],
    [['keys', 'help'], 'worv-proxy keys create'],
    [['keys', 'create', '--help'], 'worv-proxy keys create'],
    [['admin', '--help'], 'worv-proxy admin set-password'],
    [['admin', 'set-password', '-h'], 'worv-proxy admin set-password'],
    [['simulate', '--help'], 'worv-proxy simulate'],
    [['bench', '--help'], 'worv-proxy bench'],
    [['store', '--help'], 'worv-proxy store copy'],
    [['store', 'help'], 'worv-proxy store copy'],
  ])('%j prints its usage and exits 0', async (argv, usage) => {
    const r = await run(argv);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(usage);
  });

  it('`version` prints the version like --version', async () => {
    const r = await run(['version']);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('a negative number given to a simulate flag reaches its own check', async () => {
    const r = await run(['simulate', '--ttft-ms', '-1']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe('worv-proxy: --ttft-ms must be a number >= 0');
  });

  it('a real usage error still goes to stderr with exit 2', async () => {
    const r = await run(['serve', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage: worv-proxy serve');
  });
});
