// Text holding U+0000 or a lone surrogate in an /api request (login, a key's name, a filter, a path parameter, a GPU
// reading) is refused with 400 on SQLite and Postgres alike; on Postgres, whose `text` cannot
// hold it, it used to fail the statement and answer 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/store/api-keys.repo.js';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import { ADMIN, postgresStore, sqliteFileStore, startAdminApp, type AdminApp, type Login } from './admin-app.js';

const pgSkip = await postgresUnavailableReason();
const REFUSED = { error: 'text must not contain the NUL character (U+0000)' };

for (const database of ['sqlite', 'postgres'] as const) {
  describe.skipIf(database === 'postgres' && pgSkip !== undefined)(`NUL in /api text (${database})`, () => {
    let app: AdminApp;
    let s: Login;
    let key: string;
    beforeAll(async () => {
      app = await startAdminApp({ storeSpec: database === 'postgres' ? postgresStore() : sqliteFileStore() });
      s = await app.login();
      key = (await createApiKey(app.store.db, { name: 'agent', createdAt: new Date().toISOString() }))!.key;
    });
    afterAll(async () => {
      await app?.close();
    });

    it('login, key name, filters, path parameters and GPU readings: 400, the store untouched', async () => {
      const replies = [
        await app.request('POST', '/api/login', { body: { username: `${ADMIN.username}\u0000`, password: ADMIN.password } }),
        await app.request('POST', '/api/keys', { cookie: s.cookie, csrf: s.csrf, body: { name: 'a\u0000b' } }),
        await app.request('GET', '/api/requests?model=a%00b', { cookie: s.cookie }),
        await app.request('GET', '/api/requests?key_id=a%00b', { cookie: s.cookie }),
        await app.request('GET', '/api/keys/a%00b', { cookie: s.cookie }),
        await app.request('POST', '/api/gpu-stats', {
          headers: { authorization: `Bearer ${key}` },
          body: { gpus: [{ index: 0, name: 'A\u0000100', utilization: 1, memory_used_mb: 1, memory_total_mb: 2, temperature_c: 30, power_w: 100 }] },
        }),
      ];
      expect(replies.map((r) => [r.status, r.json])).toEqual(replies.map(() => [400, REFUSED]));
      // A lone surrogate (JSON `\ud800` without its pair) is refused too; a real pair is text.
      const lone = await app.request('POST', '/api/keys', { cookie: s.cookie, csrf: s.csrf, raw: '{"name":"a\\ud800b"}' });
      expect([lone.status, lone.json]).toEqual([400, { error: 'text must not contain a lone surrogate (an unpaired \\ud800-\\udfff escape)' }]);
      const pair = await app.request('POST', '/api/keys', { cookie: s.cookie, csrf: s.csrf, raw: '{"name":"a\\ud83d\\ude00b"}' });
      expect([pair.status, (pair.json as { name: string }).name]).toEqual([201, 'a\u{1F600}b']);
      // The same requests without the NUL are served.
      expect((await app.request('GET', '/api/requests?model=ab', { cookie: s.cookie })).status).toBe(200);
      expect((await app.request('POST', '/api/keys', { cookie: s.cookie, csrf: s.csrf, body: { name: 'ab' } })).status).toBe(201);
    });
  });
}
