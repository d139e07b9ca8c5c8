// GET /api/status in a fleet of two models: each model with its replicas and how many are up,
// so a model whose every replica is down shows on the status page even while the first replica
// that answers (the "live model") is another model's and healthy.
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/core/password.js';
import { StatusResponse } from '../../src/shared/api-contract.js';
import { upsertAdminUser } from '../../src/store/admin-users.repo.js';
import { ADMIN, CHEAP_SCRYPT, cookiePair, send } from '../control-plane/admin-app.js';
import { startFleetStack, type FleetStack } from '../helpers/fleet-stack.js';
import { until } from './support.js';

let f: FleetStack | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('GET /api/status: models and their replicas', () => {
  it('counts the replicas up per model; a model whose only replica is down has up 0', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }, { model: 'Kimi-K2.6' }], env: { PROXY_MODELS_REFRESH: '0.5' } });
    const fleet = f;
    await upsertAdminUser(fleet.stack.store.db, { username: ADMIN.username, passwordHash: await hashPassword(ADMIN.password, CHEAP_SCRYPT), now: new Date().toISOString() });
    const cookie = cookiePair((await send(fleet.gatewayUrl, 'POST', '/api/login', { body: ADMIN })).headers.get('set-cookie'));
    const status = async (): Promise<StatusResponse> => StatusResponse.parse((await send(fleet.gatewayUrl, 'GET', '/api/status', { cookie })).json);
    const health = (): string[] => fleet.stack.app.dataPlane.backendsView().replicas.map((r) => r.health);

    await until(() => health().every((h) => h === 'up'), 4000);
    expect((await status()).models).toEqual([
      { id: 'GLM-5.1', replicas: 2, up: 2 },
      { id: 'Kimi-K2.6', replicas: 1, up: 1 },
    ]);

    // Kimi's only replica answers every probe with 502, as a proxy in front of a dead engine does.
    fleet.sims[2]!.setFault('status:502', { paths: ['/metrics', '/v1/models'] });
    await until(() => health()[2] === 'down', 4000);
    const s = await status();
    expect(s.backend.reachable).toBe(true);
    expect(s.models).toEqual([
      { id: 'GLM-5.1', replicas: 2, up: 2 },
      { id: 'Kimi-K2.6', replicas: 1, up: 0 },
    ]);
  });
});
