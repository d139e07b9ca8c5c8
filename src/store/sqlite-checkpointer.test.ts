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

  it('a writer that never pauses cannot grow the WAL past the restart size: the worker rewinds it and the file is cut back', async () => {
    const path = join(tempDir(), 'proxy.db');
    const sqlite = new SqliteDatabase(path);
    cleanups.push(() => sqlite.close());
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.exec('CREATE TABLE filler (n integer, b blob)');
    const restartFrames = 256; // 1 MiB of 4 KiB pages
    const cp = startCheckpointer(sqlite, path, { intervalMs: 20, restartFrames });
    cleanups.push(() => cp.stop());
    const insert = sqlite.prepare('INSERT INTO filler VALUES (?, ?)');
    const limit = restartFrames * 4096;
    // Bursts of commits, as a busy gateway writes, 16,000 in all (each a new WAL frame of 4 KiB,
    // 64 MiB together): no pause is long enough for a passive round to see every frame copied,
    // so without a rewind the WAL would hold every one of them.
    let commits = 0;
    let largest = 0;
    while (commits < 16_000) {
      for (let i = 0; i < 20; i++) insert.run(commits++, Buffer.alloc(1024, commits));
      largest = Math.max(largest, statSync(`${path}-wal`).size);
      await new Promise((r) => setTimeout(r, 1));
    }
    // Rewound again and again: it grows past the restart size only by what is written between rounds.
    expect(largest).toBeLessThan(16 * limit);
    // Quiet: the next round copies everything, the next commit rewinds the WAL and cuts the file back.
    await new Promise((r) => setTimeout(r, 200));
    insert.run(commits++, Buffer.alloc(1024));
    expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(limit);
    expect(sqlite.prepare('SELECT count(*) FROM filler').pluck().get()).toBe(commits);
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
