// The SQLite file removed or replaced under a running gateway (a cleanup script, a restore
// copied over it): the gateway keeps writing to the file it has open, which is lost when it
// stops, so /readyz (degraded, never unready: the store answers) and /api/status say so until
// the file is back.
import { copyFileSync, mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adminCookie, startFaultGateway, type FaultGateway } from './gateway.js';

describe('faults: the SQLite file removed or replaced while open', () => {
  let gw: FaultGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('is reported by /readyz (degraded) and /api/status until the file is back', async () => {
    // A path with a space: /readyz must not show any of it.
    const home = mkdtempSync(join(tmpdir(), 'worv moved '));
    gw = await startFaultGateway(`sqlite:${join(home, 'my store', 'proxy.db')}`);
    const path = gw.config.database.kind === 'sqlite' ? gw.config.database.path : '';
    const cookie = await adminCookie(gw.url);
    const readyz = async (): Promise<unknown> => {
      const text = await (await fetch(`${gw!.url}/readyz`)).text();
      expect(text).not.toContain('my store');
      return JSON.parse(text) as unknown;
    };
    const store = async (): Promise<unknown> => ((await (await fetch(`${gw!.url}/api/status`, { headers: { cookie } })).json()) as { store: unknown }).store;
    expect(await readyz()).toEqual({ status: 'ready' });

    renameSync(path, `${path}.moved`);
    const removed = `the database file ${path} was removed while open: what is written now is lost when the gateway stops; restore it or restart the gateway`;
    // /readyz answers anyone: it leaves out where the file lives; /api/status names it.
    expect(await readyz()).toEqual({ status: 'degraded', failing: [{ check: 'store-file', error: removed.replace(` ${path} `, ' ') }] });
    expect(await store()).toEqual({ reachable: true, error: null, file_problem: removed, write_error: null });

    renameSync(`${path}.moved`, path);
    expect(await readyz()).toEqual({ status: 'ready' });
    expect(await store()).toEqual({ reachable: true, error: null, file_problem: null, write_error: null });

    // A copy put in its place is another file: this gateway still writes to the old one.
    copyFileSync(path, `${path}.copy`);
    renameSync(`${path}.copy`, path);
    const replaced = `the database file ${path} was replaced while open: this gateway still uses the old one; restart it to use the new one`;
    expect(await readyz()).toEqual({ status: 'degraded', failing: [{ check: 'store-file', error: replaced.replace(` ${path} `, ' ') }] });
  });
});
