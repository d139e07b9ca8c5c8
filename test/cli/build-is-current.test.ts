// `npm start` rebuilds first when the build is missing or older than a source it is built
// from (bin/build-is-current.js): a `git pull` then never serves yesterday's code.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../bin/build-is-current.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'worv-build-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes `path` under the root with a modification time of `at` seconds. */
function file(path: string, at: number): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, '');
  utimesSync(full, at, at);
}
const check = (): number | null => spawnSync(process.execPath, [SCRIPT, root]).status;

describe('bin/build-is-current.js', () => {
  it('says current only when both builds exist and are newer than their sources', () => {
    // The build tools are installed (a checkout after `npm install`).
    mkdirSync(join(root, 'node_modules', 'typescript'), { recursive: true });
    mkdirSync(join(root, 'node_modules', 'vite'), { recursive: true });
    file('src/cli/main.ts', 1000);
    file('src/shared/api-contract.ts', 1000);
    file('web/src/main.tsx', 1000);
    expect(check()).toBe(1); // nothing built
    file('dist/cli/main.js', 2000);
    expect(check()).toBe(1); // the console is not built
    file('web/dist/index.html', 2000);
    expect(check()).toBe(0);
    file('src/data-plane/new-module.ts', 3000); // a pulled server change
    expect(check()).toBe(1);
    file('dist/cli/main.js', 4000);
    expect(check()).toBe(0);
    file('src/shared/api-contract.ts', 5000); // the contract the console is built with
    expect(check()).toBe(1);
    file('dist/cli/main.js', 6000);
    file('web/dist/index.html', 6000);
    expect(check()).toBe(0);
    file('web/src/main.tsx', 7000); // a console change alone
    file('dist/cli/main.js', 8000);
    expect(check()).toBe(1);
  });

  it('serves a stale build when the build tools were pruned, saying so', () => {
    const pruned = mkdtempSync(join(tmpdir(), 'worv-pruned-'));
    try {
      const put = (path: string, at: number): void => {
        const full = join(pruned, path);
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, '');
        utimesSync(full, at, at);
      };
      put('dist/cli/main.js', 1000);
      put('web/dist/index.html', 1000);
      put('src/cli/main.ts', 2000);
      const r = spawnSync(process.execPath, [SCRIPT, pruned], { encoding: 'utf8' });
      expect([r.status, r.stderr]).toEqual([
        0,
        'worv-proxy: the sources are newer than the build, but the build tools are not installed (npm install builds it); serving the existing build\n',
      ]);
    } finally {
      rmSync(pruned, { recursive: true, force: true });
    }
  });
});
