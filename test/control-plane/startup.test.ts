import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { NO_ADMIN_NOTICE } from '../../src/control-plane/bootstrap.js';
import { MSG } from '../../src/core/messages.js';
import { countAdminUsers } from '../../src/store/admin-users.repo.js';
import { sqliteFileStore, startAdminApp, type AdminApp } from './admin-app.js';
import { spawnServe } from '../helpers/serve-process.js';

const spec = sqliteFileStore();
afterAll(() => spec.dispose());
const apps: AdminApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

/** Start `worv-proxy serve`, collect stdout until it listens, stop it; returns what it printed. */
async function serveOutput(env: Record<string, string>): Promise<string> {
  const serve = await spawnServe({ PORT: '0', LOG_LEVEL: 'info', VLLM_BASE_URL: 'http://127.0.0.1:9', ...spec.env, ...env });
  // An answered request proves start-up (signal handlers included) has finished.
  expect((await fetch(`${serve.url}/api/me`)).status).toBe(401);
  serve.child.kill('SIGTERM');
  expect((await serve.exited).code).toBe(0);
  return serve.output();
}

describe('start-up without an admin user', () => {
  it('has no default account', async () => {
    const app = await startAdminApp({ storeSpec: spec, seedAdmin: false });
    apps.push(app);
    expect(await countAdminUsers(app.store.db)).toBe(0);
    for (const [username, password] of [['admin', 'admin'], ['admin', 'password'], ['admin', ''], ['root', 'root']]) {
      const r = await app.request('POST', '/api/login', { body: { username, password } });
      expect(r.status).toBe(password === '' ? 400 : 401);
      if (password !== '') expect(r.json).toEqual({ error: MSG.invalidCredentials });
    }
  });

  it('says how to create one, and stops saying it once ADMIN_USERNAME/ADMIN_PASSWORD created it', async () => {
    const before = await serveOutput({});
    const notice = before.split('\n').find((l) => l.includes('No admin user exists'));
    expect(notice).toBeDefined();
    expect(JSON.parse(notice ?? '{}')).toMatchObject({ level: 40, msg: NO_ADMIN_NOTICE });
    expect(NO_ADMIN_NOTICE).toContain('worv-proxy admin set-password --username admin --password');
    expect(NO_ADMIN_NOTICE).toContain('ADMIN_USERNAME and ADMIN_PASSWORD');
    const after = await serveOutput({ ADMIN_USERNAME: 'ops', ADMIN_PASSWORD: 'ops-password-1' });
    expect(after).not.toContain('No admin user exists');
    expect(after).toContain('admin user ops created from ADMIN_USERNAME/ADMIN_PASSWORD');
  });
});
