import { mkdtempSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requestLogRowAt } from '../../test/helpers/request-log-rows.js';
import { openStore, type Store } from './db.js';
import { replayRequestLogSpills, spillRequestLog } from './request-log-spill.js';

let dir: string;
let store: Store;
const NOW = Date.parse('2026-12-07T18:00:00Z');

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'worv-spill-'));
  store = await openStore({ kind: 'sqlite', path: ':memory:' });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const durations = async (): Promise<number[]> =>
  (await store.db.selectFrom('request_log').select('duration_ms').orderBy('duration_ms').execute()).map((r) => r.duration_ms);
const files = (): string[] => readdirSync(dir).sort();

describe('request-log rows kept at shutdown', () => {
  it('a file of rows is written 0600, inserted once by the next start and removed', async () => {
    const path = spillRequestLog(dir, 'proxy.db.', [1, 2, 3].map(requestLogRowAt), NOW);
    expect(path.startsWith(join(dir, 'proxy.db.request-log-unwritten-2026-12-07T180000.000Z-'))).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // Another store's files (another prefix) are not this one's.
    spillRequestLog(dir, 'other.db.', [requestLogRowAt(9)], NOW);
    expect(await replayRequestLogSpills(store, dir, 'proxy.db.', NOW)).toEqual({ inserted: [{ path, rows: 3 }] });
    expect(await durations()).toEqual([1, 2, 3]);
    expect(files().filter((n) => n.startsWith('proxy.db.'))).toEqual([]);
    expect(files().filter((n) => n.startsWith('other.db.'))).toHaveLength(1);
    expect(await replayRequestLogSpills(store, dir, 'proxy.db.', NOW)).toEqual({ inserted: [] });
    expect(await durations()).toEqual([1, 2, 3]);
  });

  it('two gateways starting together: each file is inserted by one of them, however old the files are', async () => {
    for (let f = 0; f < 4; f++) spillRequestLog(dir, '', [10 * f + 1, 10 * f + 2].map(requestLogRowAt), NOW);
    const old = (Date.now() - 3_600_000) / 1000;
    for (const n of files()) utimesSync(join(dir, n), old, old);
    const [a, b] = await Promise.all([replayRequestLogSpills(store, dir, '', NOW), replayRequestLogSpills(store, dir, '', NOW)]);
    expect(a.inserted.length + b.inserted.length).toBe(4);
    expect(await durations()).toEqual([1, 2, 11, 12, 21, 22, 31, 32]);
    expect(files()).toEqual([]);
  });

  it('a store that refuses the rows: the file stays for the next attempt, with only the rows not inserted', async () => {
    const path = spillRequestLog(dir, '', Array.from({ length: 600 }, (_, i) => requestLogRowAt(i + 1)), NOW);
    // A trigger that fails the insert of the 300th row: the first batch of 250 goes in, the second fails.
    await sql`CREATE TRIGGER refuse BEFORE INSERT ON request_log WHEN NEW.duration_ms = 300 BEGIN SELECT RAISE(ABORT, 'store refuses'); END`.execute(store.db);
    const first = await replayRequestLogSpills(store, dir, '', NOW);
    expect(first.inserted).toEqual([]);
    expect(String(first.error)).toMatch(/store refuses/);
    expect((await durations()).length).toBe(250);
    expect(files()).toEqual([path.slice(dir.length + 1)]);
    await sql`DROP TRIGGER refuse`.execute(store.db);
    expect(await replayRequestLogSpills(store, dir, '', NOW)).toEqual({ inserted: [{ path, rows: 350 }] });
    expect(await durations()).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
  });

  it('a torn line and a row without its required columns are skipped; a row of an older build gets its missing columns empty', async () => {
    const { error_message: _gone, usage_estimated: _flag, ...older } = requestLogRowAt(2);
    const { status: _status, ...broken } = requestLogRowAt(3);
    const path = join(dir, 'request-log-unwritten-x.jsonl');
    writeFileSync(path, [JSON.stringify(requestLogRowAt(1)), JSON.stringify(older), JSON.stringify(broken), JSON.stringify({ ...requestLogRowAt(4), from_a_newer_build: 1 }), '{"time":"2026-'].join('\n'));
    expect(await replayRequestLogSpills(store, dir, '', NOW)).toEqual({ inserted: [{ path, rows: 3 }] });
    const rows = await store.db.selectFrom('request_log').select(['duration_ms', 'error_message', 'usage_estimated']).orderBy('duration_ms').execute();
    expect(rows).toEqual([
      { duration_ms: 1, error_message: null, usage_estimated: 0 },
      { duration_ms: 2, error_message: null, usage_estimated: 0 },
      { duration_ms: 4, error_message: null, usage_estimated: 0 },
    ]);
  });

  it('a claim left by a process that died while inserting is taken over once it is ten minutes old', async () => {
    const path = spillRequestLog(dir, '', [requestLogRowAt(7)], NOW - 3_600_000);
    // Claimed at NOW by a process that died: the file's own age does not make the claim stale.
    renameSync(path, `${path}.inserting-${NOW}-dead0000`);
    expect(await replayRequestLogSpills(store, dir, '', NOW + 9 * 60_000)).toEqual({ inserted: [] });
    expect(await durations()).toEqual([]);
    expect(await replayRequestLogSpills(store, dir, '', NOW + 11 * 60_000)).toEqual({ inserted: [{ path, rows: 1 }] });
    expect(await durations()).toEqual([7]);
    expect(files()).toEqual([]);
  });
});
