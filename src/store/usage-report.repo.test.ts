import { afterEach, describe, expect, it } from 'vitest';
import { testDialects } from '../../test/helpers/dialects.js';
import { insertApiKey } from './api-keys.repo.js';
import type { Store } from './db.js';
import { usageByDay, usageByKey } from './usage-report.repo.js';
import { recordUsage } from './usage.repo.js';

const dialects = await testDialects();

for (const dialect of dialects) {
  describe(`usage reports (${dialect.name})`, () => {
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it('sums per day and per key over a range, optionally for one key', async () => {
      const s = (store = await dialect.open());
      await insertApiKey(s.db, { id: 'a', name: 'alpha', keyHash: 'ha', keyPrefix: 'wp-a', createdAt: '2026-01-01T00:00:00.000Z' });
      await insertApiKey(s.db, { id: 'b', name: 'beta', keyHash: 'hb', keyPrefix: 'wp-b', createdAt: '2026-01-01T00:00:00.000Z' });
      const inc = (keyId: string, day: string, n: number) => ({ keyId, day, requests: n, promptTokens: n * 10, completionTokens: n * 2, usedAt: `${day}T00:00:00.000Z` });
      await recordUsage(s, [inc('a', '2026-03-01', 1), inc('b', '2026-03-01', 2), inc('a', '2026-03-02', 3), inc('a', '2026-04-01', 100)]);
      // Rows whose key row is gone (as an older version could leave them) still count, unnamed.
      await s.db.deleteFrom('api_keys').where('id', '=', 'b').execute();
      const range = { from: '2026-03-01', to: '2026-03-31' };
      expect(await usageByDay(s.db, range)).toEqual([
        { date: '2026-03-01', requests: 3, promptTokens: 30, completionTokens: 6, cachedTokens: 0, reasoningTokens: 0 },
        { date: '2026-03-02', requests: 3, promptTokens: 30, completionTokens: 6, cachedTokens: 0, reasoningTokens: 0 },
      ]);
      const byKey = await usageByKey(s.db, range);
      expect(byKey.sort((x, y) => x.keyId.localeCompare(y.keyId))).toEqual([
        { keyId: 'a', name: 'alpha', keyPrefix: 'wp-a', requests: 4, promptTokens: 40, completionTokens: 8, cachedTokens: 0, reasoningTokens: 0 },
        { keyId: 'b', name: null, keyPrefix: null, requests: 2, promptTokens: 20, completionTokens: 4, cachedTokens: 0, reasoningTokens: 0 },
      ]);
      expect(await usageByDay(s.db, { ...range, keyId: 'b' })).toEqual([{ date: '2026-03-01', requests: 2, promptTokens: 20, completionTokens: 4, cachedTokens: 0, reasoningTokens: 0 }]);
      expect(await usageByKey(s.db, { from: '2027-01-01', to: '2027-12-31' })).toEqual([]);
    });
  });
}
