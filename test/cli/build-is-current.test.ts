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
  });
});
