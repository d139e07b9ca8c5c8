import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../helpers/clock.js';
import { UsageResponse } from '../../src/shared/api-contract.js';
import { insertApiKey } from '../../src/store/api-keys.repo.js';
import { recordUsage } from '../../src/store/usage.repo.js';
import { describeAdminRoute } from '../helpers/describe-admin-route.js';
import { startAdminApp, type AdminApp, type Login } from './admin-app.js';

describeAdminRoute({ method: 'GET', path: '/api/usage' });

let app: AdminApp;
let s: Login;
beforeAll(async () => {
  app = await startAdminApp({ clock: fixedClock(Date.parse('2026-03-31T18:00:00Z')) });
  s = await app.login();
  for (const id of ['ka', 'kb', 'gone']) {
    await insertApiKey(app.store.db, { id, name: `key ${id}`, keyHash: `h-${id}`, keyPrefix: `wp-${id}`, createdAt: '2026-01-01T00:00:00.000Z' });
  }
  const inc = (keyId: string, day: string, requests: number, promptTokens: number, completionTokens: number) => ({
    keyId, day, requests, promptTokens, completionTokens, usedAt: `${day}T12:00:00.000Z`,
    // Distinct, checkable parts: cached = completion, reasoning = requests.
    cachedTokens: completionTokens, reasoningTokens: requests,
  });
  await recordUsage(app.store, [
    inc('ka', '2026-02-28', 1, 10, 1),
    inc('ka', '2026-03-01', 2, 20, 2),
    inc('kb', '2026-03-01', 5, 50, 5),
    inc('kb', '2026-03-02', 1, 1, 1),
    inc('gone', '2026-03-02', 4, 4, 4),
    inc('ka', '2026-03-31', 7, 70, 7),
  ]);
  // Rows of a key whose row is gone (as an older version could leave them): still reported.
  await app.store.db.deleteFrom('api_keys').where('id', '=', 'gone').execute();
});
afterAll(async () => {
  await app.close();
});
const get = (query: string) => app.request('GET', `/api/usage${query}`, { cookie: s.cookie });

describe('GET /api/usage', () => {
  it('returns totals, per-day sums, per-(day, key) rows and per-key sums for the range', async () => {
    const r = await get('?from=2026-03-01&to=2026-03-02');
    expect(r.status).toBe(200);
    expect(UsageResponse.parse(r.json)).toEqual(r.json);
    expect(r.json).toEqual({
      from: '2026-03-01',
      to: '2026-03-02',
      key_id: null,
      totals: { requests: 12, prompt_tokens: 75, completion_tokens: 12, cached_tokens: 12, reasoning_tokens: 12 },
      daily: [
        { date: '2026-03-01', requests: 7, prompt_tokens: 70, completion_tokens: 7, cached_tokens: 7, reasoning_tokens: 7 },
        { date: '2026-03-02', requests: 5, prompt_tokens: 5, completion_tokens: 5, cached_tokens: 5, reasoning_tokens: 5 },
      ],
      days: [
        { date: '2026-03-01', key_id: 'ka', requests: 2, prompt_tokens: 20, completion_tokens: 2, cached_tokens: 2, reasoning_tokens: 2 },
        { date: '2026-03-01', key_id: 'kb', requests: 5, prompt_tokens: 50, completion_tokens: 5, cached_tokens: 5, reasoning_tokens: 5 },
        { date: '2026-03-02', key_id: 'gone', requests: 4, prompt_tokens: 4, completion_tokens: 4, cached_tokens: 4, reasoning_tokens: 4 },
        { date: '2026-03-02', key_id: 'kb', requests: 1, prompt_tokens: 1, completion_tokens: 1, cached_tokens: 1, reasoning_tokens: 1 },
      ],
      keys: [
        { key_id: 'kb', name: 'key kb', key_prefix: 'wp-kb', requests: 6, prompt_tokens: 51, completion_tokens: 6, cached_tokens: 6, reasoning_tokens: 6, rate_limited: 0 },
        { key_id: 'gone', name: null, key_prefix: null, requests: 4, prompt_tokens: 4, completion_tokens: 4, cached_tokens: 4, reasoning_tokens: 4, rate_limited: 0 },
        { key_id: 'ka', name: 'key ka', key_prefix: 'wp-ka', requests: 2, prompt_tokens: 20, completion_tokens: 2, cached_tokens: 2, reasoning_tokens: 2, rate_limited: 0 },
      ],
    });
  });

  it('detail=none leaves out the per-(day, key) rows but keeps every sum', async () => {
    const full = UsageResponse.parse((await get('?from=2026-03-01&to=2026-03-02')).json);
    const r = await get('?from=2026-03-01&to=2026-03-02&detail=none');
    expect(r.json).toEqual({ ...full, days: [] });
    expect((await get('?from=2026-03-01&to=2026-03-02&detail=key_day')).json).toEqual(full);
  });

  it('filters by key_id', async () => {
    const r = await get('?from=2026-02-01&to=2026-03-31&key_id=ka');
    const body = UsageResponse.parse(r.json);
    expect(body.key_id).toBe('ka');
    expect(body.days.map((d) => d.date)).toEqual(['2026-02-28', '2026-03-01', '2026-03-31']);
    expect(body.totals).toEqual({ requests: 10, prompt_tokens: 100, completion_tokens: 10, cached_tokens: 10, reasoning_tokens: 10 });
    expect(body.keys.map((k) => k.key_id)).toEqual(['ka']);
    expect(UsageResponse.parse((await get('?key_id=nope')).json).days).toEqual([]);
  });

  it('defaults to the 30 days ending today (UTC)', async () => {
    const body = UsageResponse.parse((await get('')).json);
    expect([body.from, body.to]).toEqual(['2026-03-02', '2026-03-31']);
    expect(body.days.map((d) => `${d.date}/${d.key_id}`)).toEqual(['2026-03-02/gone', '2026-03-02/kb', '2026-03-31/ka']);
    const onlyFrom = UsageResponse.parse((await get('?from=2026-03-30')).json);
    expect([onlyFrom.from, onlyFrom.to]).toEqual(['2026-03-30', '2026-03-31']);
    const onlyTo = UsageResponse.parse((await get('?to=2026-03-01')).json);
    expect([onlyTo.from, onlyTo.to]).toEqual(['2026-01-31', '2026-03-01']);
    const future = UsageResponse.parse((await get('?from=2026-05-01')).json);
    expect([future.from, future.to]).toEqual(['2026-05-01', '2026-05-01']);
  });

  it.each<[string, string]>([
    ['?from=2026-3-01', 'from must be a date (YYYY-MM-DD)'],
    ['?from=2026-02-30', 'from must be a date (YYYY-MM-DD)'],
    ['?from=yesterday', 'from must be a date (YYYY-MM-DD)'],
    ['?to=2026-13-01', 'to must be a date (YYYY-MM-DD)'],
    ['?to=2026-03-01T00:00:00Z', 'to must be a date (YYYY-MM-DD)'],
    ['?from=2026-03-02&to=2026-03-01', 'from must not be after to'],
    ['?from=2026-03-01&from=2026-03-02', 'from must be a date (YYYY-MM-DD)'],
    ['?key_id=', 'key_id must not be empty'],
    ['?detail=all', 'detail must be key_day or none'],
  ])('400 for %s', async (query, error) => {
    const r = await get(query);
    expect({ status: r.status, json: r.json }).toEqual({ status: 400, json: { error } });
  });
});
