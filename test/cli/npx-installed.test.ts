// `npx worv-proxy …` in an installed tree without sources or build tools (the container image,
// the systemd install after `npm prune --omit=dev`): npm links the project into its npx cache
// and runs its `prepare` script first, which must not rebuild a build that is current.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'worv-npx-'));
const npxCache = mkdtempSync(join(tmpdir(), 'worv-npx-cache-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(npxCache, { recursive: true, force: true });
});

describe('npx worv-proxy in an installed tree', () => {
  it('runs the command: prepare finds the build current and does not rebuild without sources', () => {
    for (const part of ['package.json', 'package-lock.json', 'bin', 'dist', 'web/dist']) cpSync(join(repo, part), join(root, part), { recursive: true, preserveTimestamps: true });
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    // npm's own npx, run by this Node.js (first on PATH).
    const r = spawnSync('npx', ['--yes', 'worv-proxy', '--help'], {
      cwd: root,
      env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? root, npm_config_cache: npxCache },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect([r.status, r.stdout.split('\n')[0]]).toEqual([0, 'worv-proxy — OpenAI- and Anthropic-compatible gateway for vLLM']);
  }, 150_000);
});
