// bin/worv-proxy.js refuses a Node.js older than package.json's engines before it loads
// anything, in one line naming both versions. Under an older Node.js installed on the machine
// when there is one, and under this one with the version it reports made older.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/worv-proxy.js', import.meta.url));
const PKG = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { engines: { node: string } };
const needed = Number(/^>=(\d+)$/.exec(PKG.engines.node)?.[1]);

/** An older Node.js on this machine, if any. */
function olderNode(): { path: string; version: string } | undefined {
  for (const path of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(path)) continue;
    const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (Number(/^v(\d+)\./.exec(version)?.[1]) < needed) return { path, version };
  }
  return undefined;
}
const older = olderNode();
if (older === undefined) console.warn('[skip] no Node.js older than the engines range on this machine');

/** Reports `version` as this process's Node.js version before the entry point runs. */
const fakeVersion = (version: string) =>
  `data:text/javascript,Object.defineProperty(process,'version',{value:'v${version}'});` +
  `Object.defineProperty(process,'versions',{value:{...process.versions,node:'${version}'}});`;

describe('bin/worv-proxy.js on an old Node.js', () => {
  it('package.json engines asks for a whole major version', () => {
    expect(needed).toBeGreaterThanOrEqual(22);
  });

  it.skipIf(older === undefined)('refuses to start under an older Node.js installed here: one line, exit 2', () => {
    const r = spawnSync(older!.path, [BIN, 'serve'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    expect([r.status, r.stderr, r.stdout]).toEqual([2, `worv-proxy: needs Node.js ${needed} or newer (this is ${older!.version})\n`, '']);
  });

  it('refuses the last version below the range and accepts the first one in it', () => {
    const below = spawnSync(process.execPath, ['--import', fakeVersion(`${needed - 1}.99.0`), BIN, '--help'], { encoding: 'utf8' });
    expect([below.status, below.stderr, below.stdout]).toEqual([2, `worv-proxy: needs Node.js ${needed} or newer (this is v${needed - 1}.99.0)\n`, '']);
    // Past the check the built CLI runs (or, without a build, fails to load it: not this test's concern).
    const first = spawnSync(process.execPath, ['--import', fakeVersion(`${needed}.0.0`), BIN, '--help'], { encoding: 'utf8' });
    expect(first.stderr).not.toContain('needs Node.js');
    expect(first.status).not.toBe(2);
  });
});
