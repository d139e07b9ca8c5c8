import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { insertApiKey } from './api-keys.repo.js';
import { openStore, type Store } from './db.js';
import { REPLAY_CHUNK } from './usage-spooler.js';
import { openUsageWriter, type UsageWriter } from './usage-writer.js';

const DAY = '2026-06-01';
const inc = (i: number) => ({ keyId: 'k', day: DAY, requests: 1, promptTokens: 2, completionTokens: i % 7, usedAt: `${DAY}T00:00:00.${String(i % 1000).padStart(3, '0')}Z` });

describe('usage spool (SQLite)', () => {
  let dir: string | undefined;
  const open: Store[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function setup(): Promise<{ path: string; store: Store }> {
    dir = mkdtempSync(join(tmpdir(), 'worv-spooler-'));
    const path = join(dir, 'proxy.db');
    const store = await openStore({ kind: 'sqlite', path }, { busyTimeoutMs: 0 });
    open.push(store);
    await insertApiKey(store.db, { id: 'k', name: 'k', keyHash: 'h-k', keyPrefix: 'wp-x', createdAt: '2026-01-01T00:00:00.000Z' });
    return { path, store };
  }

  const totals = (s: Store) => s.sqlite!.prepare('SELECT requests, prompt_tokens AS p, completion_tokens AS c FROM usage_totals WHERE key_id = ?').get('k');

  /** Commits `n` increments in one batch while another connection holds the write lock: all spooled. */
  async function spoolWhileLocked(path: string, writer: UsageWriter, n: number): Promise<{ requests: number; p: number; c: number }> {
    const other = new SqliteDatabase(path);
    other.exec('BEGIN IMMEDIATE');
    const want = { requests: 0, p: 0, c: 0 };
    try {
      const commits = [];
      for (let i = 0; i < n; i++) {
        commits.push(writer.commit(inc(i)));
        want.requests += 1;
        want.p += 2;
        want.c += i % 7;
      }
      await Promise.all(commits);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    return want;
  }

  it('closing while the store is still locked: the last replay fails quietly, nothing is retried, and the next start applies the spool', async () => {
    const { path, store } = await setup();
    const errors: unknown[] = [];
    const writer = await openUsageWriter(store, { spoolDir: dir, spoolPrefix: 'proxy.db.', onReplayError: (err) => errors.push(err) });
    const other = new SqliteDatabase(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      await Promise.all([0, 1, 2].map((i) => writer.commit(inc(i))));
      expect(writer.spoolStats().entries).toBe(3);
      // The gateway's replays while it serves fail and are reported (the lock is held).
      await writer.drain();
      expect(errors).toHaveLength(1);
      await writer.close();
      // The close's own replay failed too: not reported, and no retry after it.
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(errors).toHaveLength(1);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const again = await openUsageWriter(store, { spoolDir: dir, spoolPrefix: 'proxy.db.' });
    expect(again.spoolStats().entries).toBe(0);
    expect(totals(store)).toEqual({ requests: 3, p: 6, c: 3 });
    await again.close();
  });

  it('keeps counts, not entries, and replays several chunks exactly once', async () => {
    const { path, store } = await setup();
    const writer = await openUsageWriter(store, { spoolDir: dir, spoolPrefix: 'proxy.db.' });
    const n = REPLAY_CHUNK * 3 + 17;
    const want = await spoolWhileLocked(path, writer, n);
    expect(writer.spoolStats()).toEqual({ entries: n, oldestAt: Date.parse(inc(0).usedAt) });
    expect(writer.spooled('k')).toEqual({ requests: n, promptTokens: want.p, completionTokens: want.c });
    expect(totals(store)).toBeUndefined();
    await writer.drain();
    expect(totals(store)).toEqual(want);
    expect(writer.spoolStats()).toEqual({ entries: 0, oldestAt: undefined });
    expect(writer.spooled('k')).toEqual({ requests: 0, promptTokens: 0, completionTokens: 0 });
    await writer.close();
    expect(readdirSync(dir!).filter((f) => f.includes('spool'))).toEqual([]);
  });

  it('adopts the spool of a process that is gone: counted from its file, replayed, a torn last line ignored', async () => {
    const { store } = await setup();
    const base = join(dir!, 'proxy.db.spool-gone');
    writeFileSync(`${base}.lock`, '');
    const lines = [JSON.stringify({ store: 'default' })];
    const want = { requests: 0, p: 0, c: 0 };
    const n = REPLAY_CHUNK * 2 + 3;
    for (let i = 1; i <= n; i++) {
      const e = inc(i);
      lines.push(JSON.stringify([i, e.keyId, e.day, 1, 2, e.completionTokens, e.usedAt, 0, 0]));
      want.requests += 1;
      want.p += 2;
      want.c += e.completionTokens;
    }
    writeFileSync(`${base}-1.jsonl`, `${lines.join('\n')}\n[${n + 1},"k","${DAY}",1,`); // the last line torn by a power cut
    const writer = await openUsageWriter(store, { spoolDir: dir, spoolPrefix: 'proxy.db.' });
    expect(totals(store)).toEqual(want);
    expect(writer.spoolStats().entries).toBe(0);
    await writer.close();
    expect(readdirSync(dir!).filter((f) => f.includes('spool'))).toEqual([]);
  });
});
