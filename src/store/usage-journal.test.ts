import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertApiKey, listApiKeys } from './api-keys.repo.js';
import { openStore, type Store } from './db.js';
import { openUsageJournal, readJournal, recoverUsageJournals } from './usage-journal.js';
import { queryUsage, type UsageIncrement } from './usage.repo.js';
import { createUsageWriter, FOLD_DELAY_MS } from './usage-writer.js';

const inc = (keyId: string, promptTokens: number, completionTokens: number, usedAt = '2026-05-01T10:00:00.000Z'): UsageIncrement => ({
  keyId,
  day: usedAt.slice(0, 10),
  requests: 1,
  promptTokens,
  completionTokens,
  usedAt,
});

describe('usage journal (SQLite)', () => {
  let dir: string;
  let dbPath: string;
  let store: Store;
  let main: SqliteDatabase.Database;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'worv-journal-'));
    dbPath = join(dir, 'proxy.db');
    store = await openStore({ kind: 'sqlite', path: dbPath });
    main = store.sqlite!;
    for (const id of ['k1', 'k2']) {
      await insertApiKey(store.db, { id, name: id, keyHash: `h-${id}`, keyPrefix: 'wp-x', createdAt: '2026-01-01T00:00:00.000Z' });
    }
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const totals = async (id: string) => (await listApiKeys(store.db)).find((k) => k.id === id)?.usage;
  const marks = () => main.prepare('SELECT journal_id, folded_seq FROM usage_journal_marks').all();
  const journalFiles = () => readdirSync(dir).filter((n) => n.includes('.usage-')).sort();

  it('an append is in the file when it returns; a fold moves it into the counters and the day, marks it, and empties the file', async () => {
    const j = openUsageJournal(main, dbPath);
    j.append(inc('k1', 10, 5));
    j.append(inc('k1', 7, 3, '2026-05-01T11:00:00.000Z'));
    j.append(inc('k2', 1, 1));
    expect(readJournal(j.path).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(j.unfolded).toBe(3);
    expect(j.unfoldedUsage('k1')).toEqual({ requests: 2, promptTokens: 17, completionTokens: 8 });
    expect(await totals('k1')).toEqual({ requests: 0, promptTokens: 0, completionTokens: 0 });

    j.fold();
    expect(j.unfolded).toBe(0);
    expect(readFileSync(j.path, 'utf8')).toBe('');
    expect(j.unfoldedUsage('k1')).toEqual({ requests: 0, promptTokens: 0, completionTokens: 0 });
    expect(await totals('k1')).toEqual({ requests: 2, promptTokens: 17, completionTokens: 8 });
    expect(await totals('k2')).toEqual({ requests: 1, promptTokens: 1, completionTokens: 1 });
    expect((await queryUsage(store.db, { from: '2026-05-01', to: '2026-05-01', keyId: 'k1' })).days).toEqual([
      { date: '2026-05-01', keyId: 'k1', requests: 2, promptTokens: 17, completionTokens: 8 },
    ]);
    expect((await listApiKeys(store.db)).find((k) => k.id === 'k1')?.lastUsedAt).toBe('2026-05-01T11:00:00.000Z');
    expect(marks()).toEqual([{ journal_id: j.id, folded_seq: 3 }]);

    // Sequence numbers keep growing after the file starts over.
    j.append(inc('k1', 1, 1));
    expect(readJournal(j.path).map((e) => e.seq)).toEqual([4]);
    j.close();
    expect(await totals('k1')).toEqual({ requests: 3, promptTokens: 18, completionTokens: 9 });
    expect(journalFiles()).toEqual([]);
    expect(marks()).toEqual([]);
    expect(() => j.append(inc('k1', 1, 1))).toThrow('usage journal is closed');
  });

  it('recovery folds the journal of a process that is gone, exactly once: entries at or below its mark are skipped', async () => {
    // A process that folded up to seq 2, crashed before emptying its file, then appended seq 3.
    const id = '00000000-0000-4000-8000-000000000001';
    const path = join(dir, `proxy.db.usage-${id}.journal`);
    const lines = [inc('k1', 10, 5), inc('k1', 20, 5), inc('k2', 3, 4)].map((x, i) =>
      JSON.stringify([i + 1, x.keyId, x.day, x.requests, x.promptTokens, x.completionTokens, x.usedAt]),
    );
    writeFileSync(path, `${lines.join('\n')}\n`);
    main.prepare('INSERT INTO usage_journal_marks (journal_id, folded_seq) VALUES (?, 2)').run(id);

    expect(recoverUsageJournals(main, dbPath)).toEqual({ recovered: 1, entries: 1, live: 0 });
    expect(await totals('k1')).toEqual({ requests: 0, promptTokens: 0, completionTokens: 0 });
    expect(await totals('k2')).toEqual({ requests: 1, promptTokens: 3, completionTokens: 4 });
    expect(journalFiles()).toEqual([]);
    expect(marks()).toEqual([]);
    // Running it again changes nothing.
    expect(recoverUsageJournals(main, dbPath)).toEqual({ recovered: 0, entries: 0, live: 0 });
    expect(await totals('k2')).toEqual({ requests: 1, promptTokens: 3, completionTokens: 4 });
  });

  it('a line torn by a power cut ends the journal; the entries before it are recovered', async () => {
    const path = join(dir, 'proxy.db.usage-00000000-0000-4000-8000-000000000002.journal');
    writeFileSync(path, `${JSON.stringify([1, 'k1', '2026-05-01', 1, 5, 6, '2026-05-01T10:00:00.000Z'])}\n`);
    appendFileSync(path, '[2,"k1","2026-05-01",1,5');
    expect(readJournal(path).map((e) => e.seq)).toEqual([1]);
    expect(recoverUsageJournals(main, dbPath)).toEqual({ recovered: 1, entries: 1, live: 0 });
    expect(await totals('k1')).toEqual({ requests: 1, promptTokens: 5, completionTokens: 6 });
  });

  it("recovery leaves a live process's journal alone (its lock is held), and that journal keeps working", async () => {
    const live = openUsageJournal(main, dbPath);
    live.append(inc('k1', 4, 4));
    // Another store on the same file, as a second replica starting up would have.
    const other = await openStore({ kind: 'sqlite', path: dbPath });
    try {
      expect(recoverUsageJournals(other.sqlite!, dbPath)).toEqual({ recovered: 0, entries: 0, live: 1 });
    } finally {
      await other.close();
    }
    expect(await totals('k1')).toEqual({ requests: 0, promptTokens: 0, completionTokens: 0 });
    expect(existsSync(live.path)).toBe(true);
    live.fold();
    expect(await totals('k1')).toEqual({ requests: 1, promptTokens: 4, completionTokens: 4 });
    live.close();
  });

  it('a mark left without its journal (a crash between the two clean-up steps) is dropped', () => {
    main.prepare("INSERT INTO usage_journal_marks (journal_id, folded_seq) VALUES ('gone', 9)").run();
    recoverUsageJournals(main, dbPath);
    expect(marks()).toEqual([]);
  });

  it('the writer journals commits of requests alone in flight, batches the rest, and drain() folds', async () => {
    const writer = createUsageWriter(store, { journal: true });
    expect(writer.recovery).toEqual({ recovered: 0, entries: 0, live: 0 });
    await writer.commit(inc('k1', 10, 1), true);
    expect(writer.journal?.unfolded).toBe(1);
    await Promise.all([writer.commit(inc('k1', 1, 1)), writer.commit(inc('k2', 2, 2))]);
    expect(writer.journal?.unfolded).toBe(1);
    expect(await totals('k1')).toEqual({ requests: 1, promptTokens: 1, completionTokens: 1 });
    await writer.drain();
    expect(writer.journal?.unfolded).toBe(0);
    expect(await totals('k1')).toEqual({ requests: 2, promptTokens: 11, completionTokens: 2 });
    expect(await totals('k2')).toEqual({ requests: 1, promptTokens: 2, completionTokens: 2 });
    await writer.close();
    expect(journalFiles()).toEqual([]);
  });

  it('the writer folds on its own within its delay', async () => {
    const writer = createUsageWriter(store, { journal: true });
    await writer.commit(inc('k2', 3, 3), true);
    await new Promise((r) => setTimeout(r, FOLD_DELAY_MS + 200));
    expect(writer.journal?.unfolded).toBe(0);
    expect(main.prepare("SELECT requests FROM usage_totals WHERE key_id = 'k2'").get()).toEqual({ requests: 1 });
    await writer.close();
  });

  it('the writer folds at once, not at its timer, past 1,024 unfolded entries', async () => {
    const writer = createUsageWriter(store, { journal: true });
    for (let i = 0; i < 1024; i++) void writer.commit(inc('k1', 1, 1), true);
    expect(writer.journal?.unfolded).toBe(1024);
    await new Promise((r) => setTimeout(r, 30));
    expect(writer.journal?.unfolded).toBe(0);
    expect(await totals('k1')).toEqual({ requests: 1024, promptTokens: 1024, completionTokens: 1024 });
    await writer.close();
  });

  it('a journal append that fails falls back to a commit in the database, and says so', async () => {
    const errors: unknown[] = [];
    const writer = createUsageWriter(store, { journal: true, onAppendError: (e) => errors.push(e) });
    writer.journal!.close(); // behind the writer's back: every append now throws
    await writer.commit(inc('k1', 5, 6), true);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('usage journal is closed');
    expect(await totals('k1')).toEqual({ requests: 1, promptTokens: 5, completionTokens: 6 });
    await writer.close();
  });

  it('a writer on a store without a file (memory) has no journal and commits directly', async () => {
    const mem = await openStore({ kind: 'sqlite', path: ':memory:' });
    try {
      await insertApiKey(mem.db, { id: 'm', name: 'm', keyHash: 'h-m', keyPrefix: 'wp-x', createdAt: '2026-01-01T00:00:00.000Z' });
      const writer = createUsageWriter(mem, { journal: true });
      expect(writer.journal).toBeUndefined();
      await writer.commit(inc('m', 1, 2), true);
      expect(mem.sqlite!.prepare("SELECT requests FROM usage_totals WHERE key_id = 'm'").get()).toEqual({ requests: 1 });
      await writer.close();
    } finally {
      await mem.close();
    }
  });
});
