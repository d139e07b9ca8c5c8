// Runs a deploy/vllm launcher with stand-ins for `vllm` and `docker` that print their
// arguments, so tests see the exact command line it would start.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const VLLM_DIR = resolve(import.meta.dirname, '../../deploy/vllm');
export const FAMILIES = ['deepseek-v4', 'glm-5', 'kimi-k2'] as const;

/** The argv the launcher passes to `vllm` (or to `docker` with `--docker`), one entry per argument. */
export function launcherArgv(family: string, env: Record<string, string>, docker = false): { status: number | null; argv: string[]; stderr: string } {
  const bin = mkdtempSync(join(tmpdir(), 'worv-fakebin-'));
  try {
    for (const name of ['vllm', 'docker']) {
      writeFileSync(join(bin, name), `#!/bin/sh\nprintf '%s\\n' "${name}" "$@"\n`);
      chmodSync(join(bin, name), 0o755);
    }
    const r = spawnSync('bash', [join(VLLM_DIR, `${family}.sh`), ...(docker ? ['--docker'] : [])], {
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: '/home/op', ...env },
      encoding: 'utf8',
    });
    return { status: r.status, argv: r.stdout.split('\n').slice(0, -1), stderr: r.stderr };
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}
