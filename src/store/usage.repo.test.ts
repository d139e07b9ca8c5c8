import { afterEach, describe, expect, it } from 'vitest';
import { testDialects } from '../../test/helpers/dialects.js';
import { insertApiKey, listApiKeys, deleteApiKey, findApiKeyByHash, updateApiKey } from './api-keys.repo.js';
import type { Store } from './db.js';
import { addRejections, rejectionsByKey } from './key-limits.repo.js';
import { queryUsage, recordUsage } from './usage.repo.js';
import { openUsageWriter } from './usage-writer.js';

const dialects = await testDialects();

for (const dialect of dialects) {
  describe(`usage store (${dialect.name})`, () => {
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    async function withKey(id: string): Promise<Store> {
      store ??= await dialect.open();
      await insertApiKey(store.db, { id, name: id, keyHash: `h-${id}`, keyPrefix: 'wp-x', createdAt: '2026-01-01T00:00:00.000Z' });
      return store;
    }

    it('adds increments to totals and the day bucket in one transaction', async () => {
      const s = await withKey('k1');
      await recordUsage(s, [
        { keyId: 'k1', day: '2026-03-01', requests: 1, promptTokens: 10, completionTokens: 5, usedAt: '2026-03-01T10:00:00.000Z' },
        { keyId: 'k1', day: '2026-03-02', requests: 1, promptTokens: 7, completionTokens: 3, usedAt: '2026-03-02T10:00:00.000Z' },
        { keyId: 'k1', day: '2026-03-02', requests: 1, promptTokens: 1, completionTokens: 0, usedAt: '2026-03-02T09:00:00.000Z' },
      ]);
      const [key] = await listApiKeys(s.db);
      expect(key?.usage).toEqual({ requests: 3, promptTokens: 18, completionTokens: 8 });
      expect(key?.lastUsedAt).toBe('2026-03-02T10:00:00.000Z');
      const usage = await queryUsage(s.db, { from: '2026-03-01', to: '2026-03-31' });
      expect(usage.days).toEqual([
        { date: '2026-03-01', keyId: 'k1', requests: 1, promptTokens: 10, completionTokens: 5, cachedTokens: 0, reasoningTokens: 0 },
        { date: '2026-03-02', keyId: 'k1', requests: 2, promptTokens: 8, completionTokens: 3, cachedTokens: 0, reasoningTokens: 0 },
      ]);
      expect(usage.totals).toEqual({ requests: 3, promptTokens: 18, completionTokens: 8 });
      expect((await queryUsage(s.db, { from: '2026-03-02', to: '2026-03-02', keyId: 'nope' })).days).toEqual([]);
    });

    it('loses no increment under many concurrent writers', async () => {
      const s = await withKey('k2');
      await withKey('k3');
      const N = 400;
      const jobs: Promise<number>[] = [];
      for (let i = 0; i < N; i++) {
        const keyId = i % 2 === 0 ? 'k2' : 'k3';
        jobs.push(
          recordUsage(s, [
            { keyId, day: '2026-04-0' + String(1 + (i % 3)), requests: 1, promptTokens: i, completionTokens: 2, usedAt: '2026-04-01T00:00:00.000Z' },
          ]),
        );
      }
      await Promise.all(jobs);
      const usage = await queryUsage(s.db, { from: '2026-04-01', to: '2026-04-30' });
      expect(usage.totals).toEqual({ requests: N, promptTokens: (N * (N - 1)) / 2, completionTokens: 2 * N });
      const keys = await listApiKeys(s.db);
      expect(keys.reduce((a, k) => a + k.usage.requests, 0)).toBe(N);
    });

    it('group-commits concurrent increments through the usage writer, each awaited', async () => {
      const s = await withKey('k4');
      const writer = await openUsageWriter(s);
      const N = 300;
      await Promise.all(
        Array.from({ length: N }, (_, i) =>
          writer.commit({ keyId: 'k4', day: '2026-05-01', requests: 1, promptTokens: 3, completionTokens: i % 5, usedAt: '2026-05-01T00:00:00.000Z' }),
        ),
      );
      const [key] = await listApiKeys(s.db);
      expect(key?.usage).toEqual({ requests: N, promptTokens: 3 * N, completionTokens: 2 * N });
    });

    it('commits a batch over several keys and days in one go, with totals, buckets and last_used_at', async () => {
      const s = await withKey('m1');
      await withKey('m2');
      const writer = await openUsageWriter(s);
      const inc = (keyId: string, day: string, p: number, usedAt: string) =>
        writer.commit({ keyId, day, requests: 1, promptTokens: p, completionTokens: 1, usedAt });
      // One event-loop turn: one batch, across midnight for m1, with a later usedAt listed first.
      await Promise.all([
        inc('m1', '2026-07-02', 5, '2026-07-02T00:00:01.000Z'),
        inc('m1', '2026-07-01', 3, '2026-07-01T23:59:59.000Z'),
        inc('m2', '2026-07-01', 7, '2026-07-01T10:00:00.000Z'),
        inc('m1', '2026-07-01', 2, '2026-07-01T23:59:58.000Z'),
      ]);
      // A later batch with an older usedAt must not move last_used_at back.
      await inc('m2', '2026-07-01', 1, '2026-07-01T09:00:00.000Z');
      const keys = await listApiKeys(s.db);
      const byId = new Map(keys.map((k) => [k.id, k]));
      expect(byId.get('m1')?.usage).toEqual({ requests: 3, promptTokens: 10, completionTokens: 3 });
      expect(byId.get('m1')?.lastUsedAt).toBe('2026-07-02T00:00:01.000Z');
      expect(byId.get('m2')?.usage).toEqual({ requests: 2, promptTokens: 8, completionTokens: 2 });
      expect(byId.get('m2')?.lastUsedAt).toBe('2026-07-01T10:00:00.000Z');
      expect((await queryUsage(s.db, { from: '2026-07-01', to: '2026-07-31' })).days).toEqual([
        { date: '2026-07-01', keyId: 'm1', requests: 2, promptTokens: 5, completionTokens: 2, cachedTokens: 0, reasoningTokens: 0 },
        { date: '2026-07-01', keyId: 'm2', requests: 2, promptTokens: 8, completionTokens: 2, cachedTokens: 0, reasoningTokens: 0 },
        { date: '2026-07-02', keyId: 'm1', requests: 1, promptTokens: 5, completionTokens: 1, cachedTokens: 0, reasoningTokens: 0 },
      ]);
    });

    it('commits a lone increment at once on SQLite, and queues it behind a pending batch', async () => {
      const s = await withKey('k6');
      const writer = await openUsageWriter(s);
      const inc = { keyId: 'k6', day: '2026-06-01', requests: 1, promptTokens: 4, completionTokens: 1, usedAt: '2026-06-01T00:00:00.000Z' };
      const requestsNow = (): number =>
        s.sqlite === undefined ? -1 : (s.sqlite.prepare('SELECT requests FROM usage_totals WHERE key_id = ?').pluck().get('k6') as number | undefined) ?? 0;
      const lone = writer.commit(inc, true);
      // SQLite: already in the table before the caller yields; Postgres: queued as always.
      if (s.sqlite !== undefined) expect(requestsNow()).toBe(1);
      await lone;
      // A batch is pending: a lone increment must not overtake it, so it joins the queue.
      const batched = writer.commit(inc);
      const behind = writer.commit(inc, true);
      if (s.sqlite !== undefined) expect(requestsNow()).toBe(1);
      await Promise.all([batched, behind]);
      const [key] = await listApiKeys(s.db);
      expect(key?.usage).toEqual({ requests: 3, promptTokens: 12, completionTokens: 3 });
      // Inside another caller's open transaction the lone path waits for the connection too.
      if (s.sqlite !== undefined) {
        let inside = -1;
        await s.db.transaction().execute(async () => {
          const c = writer.commit(inc, true);
          inside = requestsNow();
          await new Promise((r) => setTimeout(r, 5));
          void c;
        });
        await writer.drain();
        expect(inside).toBe(3);
        expect(requestsNow()).toBe(4);
      }
    });

    it('updates, finds by hash and deletes keys with their usage', async () => {
      const s = await withKey('k5');
      expect(await insertApiKey(s.db, { id: 'dup', name: 'd', keyHash: 'h-k5', keyPrefix: 'wp', createdAt: 'x' })).toBe(false);
      expect(await updateApiKey(s.db, 'k5', { isActive: false, name: 'renamed' })).toBe(true);
      expect(await findApiKeyByHash(s.db, 'h-k5')).toMatchObject({ id: 'k5', name: 'renamed', isActive: false });
      expect(await updateApiKey(s.db, 'missing', { name: 'x' })).toBe(false);
      await recordUsage(s, [{ keyId: 'k5', day: '2026-01-01', requests: 1, promptTokens: 1, completionTokens: 1, usedAt: 'x' }]);
      await addRejections(s, [{ keyId: 'k5', day: '2026-01-01', count: 2 }]);
      await addRejections(s, [{ keyId: 'k5', day: '2026-01-01', count: 3 }]);
      expect(await rejectionsByKey(s.db, '2026-01-01', '2026-01-01')).toEqual(new Map([['k5', 5]]));
      expect(await deleteApiKey(s.db, 'k5')).toBe(true);
      // 429 counts go with the key, and counts arriving after the delete are not re-created.
      expect(await rejectionsByKey(s.db, '2000-01-01', '2100-01-01')).toEqual(new Map());
      await addRejections(s, [{ keyId: 'k5', day: '2026-01-02', count: 1 }]);
      expect(await s.db.selectFrom('key_rejections').selectAll().execute()).toEqual([]);
      expect(await deleteApiKey(s.db, 'k5')).toBe(false);
      expect((await queryUsage(s.db, { from: '2000-01-01', to: '2100-01-01' })).days).toEqual([]);
      // Usage arriving after the delete is dropped, never re-creating rows for the key.
      expect(await recordUsage(s, [{ keyId: 'k5', day: '2026-01-02', requests: 2, promptTokens: 1, completionTokens: 1, usedAt: 'y' }])).toBe(2);
      expect((await queryUsage(s.db, { from: '2000-01-01', to: '2100-01-01' })).days).toEqual([]);
      expect(await s.db.selectFrom('usage_totals').selectAll().execute()).toEqual([]);
    });

    it.skipIf(dialect.name !== 'postgres')('a 429 count flushed while its key is being deleted is not left behind (the key row read FOR KEY SHARE)', async () => {
      const s = await withKey('k6');
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let deleted!: () => void;
      const started = new Promise<void>((resolve) => (deleted = resolve));
      const deleting = deleteApiKeyHeldOpen(s, 'k6', deleted, gate);
      await started;
      const adding = addRejections(s, [{ keyId: 'k6', day: '2026-01-01', count: 1 }]);
      // The insert waits for the delete's transaction instead of reading the row it removes.
      await new Promise((r) => setTimeout(r, 200));
      release();
      await deleting;
      await adding;
      expect(await s.db.selectFrom('key_rejections').selectAll().where('key_id', '=', 'k6').execute()).toEqual([]);
    });
  });
}

/** A key deleted in a transaction kept open until `gate`: `deleted` is called once the row is gone in it. */
function deleteApiKeyHeldOpen(s: Store, id: string, deleted: () => void, gate: Promise<void>): Promise<void> {
  return s.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('api_keys').where('id', '=', id).execute();
    await trx.deleteFrom('key_rejections').where('key_id', '=', id).execute();
    deleted();
    await gate;
  });
}
