/**
 * The security cases every /api route must pass, emitted by one call per route:
 * no session → 401, a forged or stale cookie → 401, and for mutating methods a session
 * without, or with a wrong, X-CSRF-Token → 403. A new route cannot ship without them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MSG } from '../../src/core/messages.js';
import { startAdminApp, type AdminApp, type Login } from '../control-plane/admin-app.js';

export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  /** A body that would be valid, so only the security check can fail. */
  readonly body?: unknown;
}

const isMutating = (m: AdminRoute['method']) => m !== 'GET';

/** Emit the common cases for `route` against a gateway of its own (started and closed here). */
export function describeAdminRoute(route: AdminRoute): void {
  let app: AdminApp | undefined;
  const getApp = (): AdminApp => {
    if (app === undefined) throw new Error('admin app not started');
    return app;
  };
  const send = (extra: { cookie?: string; csrf?: string }) =>
    getApp().request(route.method, route.path, { ...(route.body !== undefined ? { body: route.body } : {}), ...extra });

  describe(`${route.method} ${route.path}: common security cases`, () => {
    beforeAll(async () => {
      app = await startAdminApp();
    });
    afterAll(async () => {
      await app?.close();
    });

    it('answers 401 without a session', async () => {
      const r = await send({});
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: MSG.authenticationRequired });
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    });

    it('answers 401 with a forged or ended session cookie', async () => {
      const app = getApp();
      const forged = await send({ cookie: 'worv_session=abc.def', csrf: 'x' });
      expect(forged.status).toBe(401);
      expect(forged.json).toEqual({ error: MSG.authenticationRequired });
      const s: Login = await app.login();
      expect((await app.request('POST', '/api/logout', { cookie: s.cookie, csrf: s.csrf })).status).toBe(200);
      const ended = await send({ cookie: s.cookie, csrf: s.csrf });
      expect(ended.status).toBe(401);
      expect(ended.json).toEqual({ error: MSG.authenticationRequired });
    });

    if (isMutating(route.method)) {
      it('answers 403 with a session but no CSRF token', async () => {
        const s = await getApp().login();
        const r = await send({ cookie: s.cookie });
        expect(r.status).toBe(403);
        expect(r.json).toEqual({ error: MSG.csrfInvalid });
      });

      it("answers 403 with a wrong CSRF token or another session's token", async () => {
        const a = await getApp().login();
        const b = await getApp().login();
        for (const csrf of ['wrong', '', b.csrf]) {
          const r = await send({ cookie: a.cookie, csrf });
          expect(r.status).toBe(403);
          expect(r.json).toEqual({ error: MSG.csrfInvalid });
        }
      });
    } else {
      it('passes the security checks with a session and no CSRF token', async () => {
        const s = await getApp().login();
        const r = await send({ cookie: s.cookie });
        expect([401, 403]).not.toContain(r.status);
      });
    }
  });
}
