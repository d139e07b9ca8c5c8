import { afterEach, describe, expect, it } from 'vitest';
import { testDialects } from '../../test/helpers/dialects.js';
import { countAdminUsers, getAdminUser, upsertAdminUser } from './admin-users.repo.js';
import type { Store } from './db.js';
import { hitFixedWindow, pruneRateLimits } from './rate-limits.repo.js';
import { deleteExpiredSessions, deleteSession, deleteUserSessions, findLiveSession, insertSession } from './sessions.repo.js';
import { getOrCreateSetting, getSetting } from './settings.repo.js';

const dialects = await testDialects();

for (const dialect of dialects) {
  describe(`admin users, sessions, settings, rate limits (${dialect.name})`, () => {
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });
    const open = async () => (store = await dialect.open());

    it('creates then updates an admin user; the update signs its sessions out', async () => {
      const s = await open();
      expect(await countAdminUsers(s.db)).toBe(0);
      expect(await upsertAdminUser(s.db, { username: 'ops', passwordHash: 'h1', now: '2026-01-01T00:00:00.000Z' })).toBe('created');
      await insertSession(s.db, { id: 's1', username: 'ops', csrfToken: 'c', createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2027-01-01T00:00:00.000Z' });
      expect(await upsertAdminUser(s.db, { username: 'ops', passwordHash: 'h2', now: '2026-01-02T00:00:00.000Z' })).toBe('updated');
      // The change signed the user out in the same transaction.
      expect(await findLiveSession(s.db, 's1', '2026-06-01T00:00:00.000Z')).toBeUndefined();
      expect(await getAdminUser(s.db, 'ops')).toEqual({
        username: 'ops',
        passwordHash: 'h2',
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-02T00:00:00.000Z',
      });
      expect(await getAdminUser(s.db, 'OPS')).toBeUndefined();
      expect(await countAdminUsers(s.db)).toBe(1);
    });

    it('finds a session only while unexpired and while its user exists', async () => {
      const s = await open();
      await upsertAdminUser(s.db, { username: 'ops', passwordHash: 'h', now: '2026-01-01T00:00:00.000Z' });
      const base = { username: 'ops', csrfToken: 'c', createdAt: '2026-01-01T00:00:00.000Z' };
      await insertSession(s.db, { ...base, id: 'a', expiresAt: '2027-01-01T00:00:00.000Z' });
      await insertSession(s.db, { ...base, id: 'b', expiresAt: '2026-01-02T00:00:00.000Z' });
      await insertSession(s.db, { ...base, id: 'ghost', username: 'gone', expiresAt: '2027-01-01T00:00:00.000Z' });
      expect(await findLiveSession(s.db, 'a', '2026-06-01T00:00:00.000Z')).toEqual({ ...base, id: 'a', expiresAt: '2027-01-01T00:00:00.000Z' });
      expect(await findLiveSession(s.db, 'b', '2026-06-01T00:00:00.000Z')).toBeUndefined();
      expect(await findLiveSession(s.db, 'ghost', '2026-06-01T00:00:00.000Z')).toBeUndefined();
      expect(await deleteExpiredSessions(s.db, '2026-06-01T00:00:00.000Z')).toBe(1);
      expect(await deleteSession(s.db, 'a')).toBe(true);
      expect(await deleteSession(s.db, 'a')).toBe(false);
      expect(await deleteUserSessions(s.db, 'gone')).toBe(1);
    });

    it('keeps the first stored setting', async () => {
      const s = await open();
      expect(await getSetting(s.db, 'session_secret')).toBeUndefined();
      expect(await getOrCreateSetting(s.db, 'session_secret', () => 'first')).toBe('first');
      expect(await getOrCreateSetting(s.db, 'session_secret', () => 'second')).toBe('first');
      const racing = await Promise.all([1, 2, 3].map((i) => getOrCreateSetting(s.db, 'other', () => `v${i}`)));
      expect(new Set(racing).size).toBe(1);
    });

    it('counts hits per fixed window and resets in a new window', async () => {
      const s = await open();
      expect(await hitFixedWindow(s.db, 'login:1.2.3.4', 60_000)).toBe(1);
      expect(await hitFixedWindow(s.db, 'login:1.2.3.4', 60_000)).toBe(2);
      expect(await hitFixedWindow(s.db, 'login:5.6.7.8', 60_000)).toBe(1);
      const concurrent = await Promise.all(Array.from({ length: 8 }, () => hitFixedWindow(s.db, 'login:1.2.3.4', 60_000)));
      expect(concurrent.sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
      expect(await hitFixedWindow(s.db, 'login:1.2.3.4', 120_000)).toBe(1);
      expect(await pruneRateLimits(s.db, 120_000)).toBe(1);
      expect(await hitFixedWindow(s.db, 'login:5.6.7.8', 120_000)).toBe(1);
    });
  });
}
