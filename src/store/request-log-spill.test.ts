import { mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testDialects } from '../../test/helpers/dialects.js';
import { requestLogRowAt } from '../../test/helpers/request-log-rows.js';
import type { Store } from './db.js';
import { insertRequestLogOnce } from './request-log.repo.js';
import { replayRequestLogSpills, spillRequestLog, type SpillPlace } from './request-log-spill.js';

const dialects = await testDialects();
const NOW = Date.parse('2026-12-07T18:00:00Z');
const at = (t: number) => () => t;

for (const dialect of dialects) {
  describe(`request-log rows kept at shutdown (${dialect.name})`, () => {
    let dir: string;
    let store: Store;
    let place: SpillPlace;
    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'worv-spill-'));
      store = await dialect.open();
      place = { dir, prefix: 'proxy.db.', storeId: 'store-a' };
    });
    afterEach(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const durations = async (): Promise<number[]> =>
      (await store.db.selectFrom('request_log').select('duration_ms').orderBy('duration_ms').execute()).map((r) => Number(r.duration_ms));
    const files = (): string[] => readdirSync(dir).sort();

    it("a file is written 0600, inserted once by the next start and removed; another store's file in the same folder is left alone", async () => {
      const path = spillRequestLog(place, [1, 2, 3].map(requestLogRowAt), NOW);
      expect(path.startsWith(join(dir, 'proxy.db.request-log-unwritten-store-a-2026-12-07T180000.000Z-'))).toBe(true);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      spillRequestLog({ ...place, storeId: 'store-b' }, [requestLogRowAt(9)], NOW);
      expect(await replayRequestLogSpills(store, place, at(NOW))).toEqual({ inserted: [{ path, rows: 3 }] });
      expect(await durations()).toEqual([1, 2, 3]);
      expect(files()).toHaveLength(1);
      expect(files()[0]).toMatch(/^proxy\.db\.request-log-unwritten-store-b-/);
      expect(await replayRequestLogSpills(store, place, at(NOW))).toEqual({ inserted: [] });
      expect(await durations()).toEqual([1, 2, 3]);
    });

    it('a file still being written is not claimed', async () => {
      const writing = join(dir, 'proxy.db.request-log-unwritten-store-a-2026-12-07T180000.000Z-abcdef12.jsonl.writing');
      writeFileSync(writing, JSON.stringify(requestLogRowAt(1)) + '\n');
      expect(await replayRequestLogSpills(store, place, at(NOW))).toEqual({ inserted: [] });
      expect(files()).toEqual([writing.slice(dir.length + 1)]);
      expect(await durations()).toEqual([]);
    });

    it('two gateways starting together: each file is inserted by one of them', async () => {
      for (let f = 0; f < 4; f++) spillRequestLog(place, [10 * f + 1, 10 * f + 2].map(requestLogRowAt), NOW + f);
      const [a, b] = await Promise.all([replayRequestLogSpills(store, place, at(NOW)), replayRequestLogSpills(store, place, at(NOW))]);
      expect(a.inserted.length + b.inserted.length).toBe(4);
      expect(await durations()).toEqual([1, 2, 11, 12, 21, 22, 31, 32]);
      expect(files()).toEqual([]);
    });

    it('a store that refuses a row: none of the file goes in, and the file stays whole for the next attempt', async () => {
      const path = spillRequestLog(place, Array.from({ length: 600 }, (_, i) => requestLogRowAt(i + 1)), NOW);
      if (dialect.name === 'sqlite') {
        await sql`CREATE TRIGGER refuse BEFORE INSERT ON request_log WHEN NEW.duration_ms = 300 BEGIN SELECT RAISE(ABORT, 'store refuses'); END`.execute(store.db);
      } else {
        await sql`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.duration_ms = 300 THEN RAISE EXCEPTION 'store refuses'; END IF; RETURN NEW; END $$`.execute(store.db);
        await sql`CREATE TRIGGER refuse BEFORE INSERT ON request_log FOR EACH ROW EXECUTE FUNCTION refuse()`.execute(store.db);
      }
      const first = await replayRequestLogSpills(store, place, at(NOW));
      expect(first.inserted).toEqual([]);
      expect(String(first.error)).toMatch(/store refuses/);
      expect(await durations()).toEqual([]);
      expect(files()).toEqual([path.slice(dir.length + 1)]);
      await sql`DROP TRIGGER refuse${sql.raw(dialect.name === 'postgres' ? ' ON request_log' : '')}`.execute(store.db);
      expect(await replayRequestLogSpills(store, place, at(NOW))).toEqual({ inserted: [{ path, rows: 600 }] });
      expect(await durations()).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    });

    it('a file inserted before (its gateway died before deleting it) is deleted, not inserted again', async () => {
      const path = spillRequestLog(place, [requestLogRowAt(5)], NOW);
      const id = path.slice(dir.length + 1, -'.jsonl'.length);
      expect(await insertRequestLogOnce(store, id, [requestLogRowAt(5)], new Date(NOW).toISOString())).toBe(true);
      expect(await replayRequestLogSpills(store, place, at(NOW))).toEqual({ inserted: [{ path, rows: 1, before: true }] });
      expect(await durations()).toEqual([5]);
      expect(files()).toEqual([]);
    });

    it('a torn line and a row without its required columns are skipped; a row of an older build gets its missing columns empty', async () => {
      const { error_message: _gone, usage_estimated: _flag, ...older } = requestLogRowAt(2);
      const { status: _status, ...broken } = requestLogRowAt(3);
      const path = join(dir, 'proxy.db.request-log-unwritten-store-a-x.jsonl');
      writeFileSync(path, [JSON.stringify(requestLogRowAt(1)), JSON.stringify(older), JSON.stringify(broken), JSON.stringify({ ...requestLogRowAt(4), from_a_newer_build: 1 }), '{"time":"2026-'].join('\n'));
      expect(await replayRequestLogSpills(store, place, at(NOW))).toEqual({ inserted: [{ path, rows: 3 }] });
      const rows = await store.db.selectFrom('request_log').select(['duration_ms', 'error_message', 'usage_estimated']).orderBy('duration_ms').execute();
      expect(rows.map((r) => [Number(r.duration_ms), r.error_message, Number(r.usage_estimated)])).toEqual([[1, null, 0], [2, null, 0], [4, null, 0]]);
    });

    it('a claim left by a process that died while inserting is taken over once the claim is ten minutes old, whatever the file\'s age', async () => {
      const path = spillRequestLog(place, [requestLogRowAt(7)], NOW - 3_600_000);
      renameSync(path, `${path}.inserting-${NOW}-dead0000`);
      expect(await replayRequestLogSpills(store, place, at(NOW + 9 * 60_000))).toEqual({ inserted: [] });
      expect(await durations()).toEqual([]);
      expect(await replayRequestLogSpills(store, place, at(NOW + 11 * 60_000))).toEqual({ inserted: [{ path, rows: 1 }] });
      expect(await durations()).toEqual([7]);
      expect(files()).toEqual([]);
    });
  });
}
