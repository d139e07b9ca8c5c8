import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from './db.js';

const dir = mkdtempSync(join(tmpdir(), 'worv-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mode = (path: string) => statSync(path).mode & 0o777;

describe('openStore on a SQLite file', () => {
  it('creates a missing folder and file readable by this user only, and the WAL files alike', async () => {
    const path = join(dir, 'new', 'data', 'proxy.db');
    const store = await openStore({ kind: 'sqlite', path });
    try {
      await store.db.selectFrom('api_keys').select('id').execute();
      expect([mode(join(dir, 'new')), mode(join(dir, 'new', 'data'))]).toEqual([0o700, 0o700]);
      expect([mode(path), mode(`${path}-wal`), mode(`${path}-shm`)]).toEqual([0o600, 0o600, 0o600]);
    } finally {
      await store.close();
    }
  });

  it('leaves the modes of a folder and a file the operator made as they are', async () => {
    const folder = join(dir, 'made');
    mkdirSync(folder);
    chmodSync(folder, 0o750);
    const path = join(folder, 'proxy.db');
    writeFileSync(path, '');
    chmodSync(path, 0o640);
    const store = await openStore({ kind: 'sqlite', path });
    await store.close();
    expect([mode(folder), mode(path)]).toEqual([0o750, 0o640]);
  });
});
