import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './db.js';
import { startCheckpointer } from './sqlite-checkpointer.js';

describe('background WAL checkpoints', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'worv-ckpt-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };

  it('the serving connection never checkpoints; the worker moves committed pages into the database file', async () => {
    const path = join(tempDir(), 'proxy.db');
    const store: Store = await openStore({ kind: 'sqlite', path }, { backgroundCheckpoints: true });
    cleanups.push(() => store.close());
    const sqlite = store.sqlite as SqliteDatabase.Database;
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    sqlite.exec('CREATE TABLE filler (b blob)');
    const insert = sqlite.prepare('INSERT INTO filler VALUES (?)');
    // 4 MiB in 1,024 commits: past SQLite's own 1,000-page threshold, which would have checkpointed inside a commit.
    for (let i = 0; i < 1024; i++) insert.run(Buffer.alloc(4096, i));
    const deadline = Date.now() + 10_000;
    while (statSync(path).size < 4 * 1024 * 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(statSync(path).size).toBeGreaterThanOrEqual(4 * 1024 * 1024);
  });

  it('a worker that cannot run hands checkpoints back to the connection and says why', async () => {
    const dir = tempDir();
    const sqlite = new SqliteDatabase(join(dir, 'proxy.db'));
    cleanups.push(() => sqlite.close());
    sqlite.pragma('journal_mode = WAL');
    const errors: Error[] = [];
    const cp = startCheckpointer(sqlite, join(dir, 'missing', 'proxy.db'), { onError: (e) => errors.push(e) });
    cleanups.push(() => cp.stop());
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const deadline = Date.now() + 10_000;
    while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(errors[0]?.message).toMatch(/unable to open database file|does not exist/);
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });
});
