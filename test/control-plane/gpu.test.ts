import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/core/api-key.js';
import { fixedClock } from '../helpers/clock.js';
import { MSG } from '../../src/core/messages.js';
import { GpuStatsResponse } from '../../src/shared/api-contract.js';
import { insertApiKey, updateApiKey } from '../../src/store/api-keys.repo.js';
import { describeAdminRoute } from '../helpers/describe-admin-route.js';
import { startAdminApp, type AdminApp, type Login } from './admin-app.js';

describeAdminRoute({ method: 'GET', path: '/api/gpu-stats' });

const T0 = Date.parse('2026-06-01T10:00:00.000Z');
const KEY = 'wp-gpu-agent-key-0001';
const clock = fixedClock(T0);
let app: AdminApp;
let s: Login;

beforeAll(async () => {
  app = await startAdminApp({ clock, env: { GPU_RETENTION_DAYS: '1' } });
  s = await app.login();
  await insertApiKey(app.store.db, { id: 'agent', name: 'gpu host', keyHash: hashApiKey(KEY), keyPrefix: 'wp-gpu', createdAt: '2026-01-01T00:00:00.000Z' });
  await insertApiKey(app.store.db, { id: 'off', name: 'revoked', keyHash: hashApiKey('wp-revoked'), keyPrefix: 'wp-rev', createdAt: '2026-01-01T00:00:00.000Z' });
  await updateApiKey(app.store.db, 'off', { isActive: false });
  await insertApiKey(app.store.db, { id: 'old', name: 'expired', keyHash: hashApiKey('wp-expired'), keyPrefix: 'wp-exp', createdAt: '2026-01-01T00:00:00.000Z' });
  await updateApiKey(app.store.db, 'old', { policy: { expiresAt: '2026-06-01T09:59:59.000Z' } });
});
afterAll(async () => {
  await app.close();
});

const b200 = (index: number, util: number | null) => ({
  index,
  name: 'NVIDIA B200',
  utilization_pct: util,
  memory_used_mib: 170_000,
  memory_total_mib: 183_359,
  temperature_c: 55,
  power_w: util === null ? null : 612.5,
});
const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }) =>
  app.request('POST', '/api/gpu-stats', { body, headers });

describe('POST /api/gpu-stats', () => {
  it('needs an active API key (Bearer or x-api-key); a session is not enough', async () => {
    const body = { host: 'h', gpus: [b200(0, 1)] };
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong' }, { authorization: 'Bearer wp-revoked' }, { 'x-api-key': 'nope' }, { authorization: KEY }];
    for (const headers of attempts) {
      const r = await post(body, headers);
      expect({ status: r.status, json: r.json }).toEqual({ status: 401, json: { error: MSG.unauthorized } });
    }
    // Expired a second before the clock: refused, as on /v1.
    const expired = await post(body, { authorization: 'Bearer wp-expired' });
    expect({ status: expired.status, json: expired.json }).toEqual({ status: 401, json: { error: MSG.keyExpired } });
    const withSession = await app.request('POST', '/api/gpu-stats', { body, cookie: s.cookie, csrf: s.csrf });
    expect(withSession.status).toBe(401);
    expect((await post(body, { 'x-api-key': KEY })).status).toBe(200);
  });

  it('stores readings without CSRF and answers with the count and time', async () => {
    const r = await post({ host: 'gpu-host-1', gpus: [b200(0, 97), b200(1, null)] });
    expect({ status: r.status, json: r.json }).toEqual({ status: 200, json: { stored: 2, recorded_at: '2026-06-01T10:00:00.000Z' } });
  });

  it.each<[unknown, string]>([
    [undefined, MSG.missingGpusArray],
    [{}, MSG.missingGpusArray],
    [{ gpus: null }, MSG.missingGpusArray],
    [{ gpus: { 0: {} } }, MSG.missingGpusArray],
    [[], MSG.missingGpusArray],
    [{ gpus: [{ ...b200(0, 1), index: -1 }] }, 'gpus[0].index must be a non-negative integer'],
    [{ gpus: [b200(0, 1), { ...b200(1, 1), index: 1.5 }] }, 'gpus[1].index must be a non-negative integer'],
    [{ gpus: [{ ...b200(0, 1), name: 3 }] }, 'gpus[0].name must be a string'],
    [{ gpus: [{ ...b200(0, 1), utilization_pct: '97' }] }, 'gpus[0].utilization_pct must be a number or null'],
    [{ gpus: [{ ...b200(0, 1), utilization_pct: 101 }] }, 'gpus[0].utilization_pct must be between 0 and 100'],
    [{ gpus: [{ ...b200(0, 1), power_w: -5 }] }, 'gpus[0].power_w must be between 0 and 1000000'],
    [{ gpus: [{ ...b200(0, 1), temperature_c: '[N/A]' }] }, 'gpus[0].temperature_c must be a number or null'],
    [{ host: 5, gpus: [] }, 'host must be a string'],
    [{ host: ' ', gpus: [] }, 'host must not be empty'],
    [{ gpus: Array.from({ length: 65 }, (_, i) => b200(i, 1)) }, 'gpus must have at most 64 entries'],
  ])('400 case %#: %s', async (body, error) => {
    const r = await post(body);
    expect({ status: r.status, json: r.json }).toEqual({ status: 400, json: { error } });
  });

  it('refuses two readings of the same GPU in one post (400 naming both), storing neither', async () => {
    const r = await post({ host: 'dup-host', gpus: [b200(0, 1), b200(1, 2), b200(0, 3)] });
    expect({ status: r.status, json: r.json }).toEqual({ status: 400, json: { error: 'gpus[2].index must not repeat gpus[0].index' } });
    const latest = await app.request('GET', '/api/gpu-stats', { cookie: s.cookie });
    expect(JSON.stringify(latest.json)).not.toContain('dup-host');
  });

  it('uses the sender address as host when none is given', async () => {
    clock.set(T0 + 1000);
    await post({ gpus: [b200(0, 5)] }, { authorization: `Bearer ${KEY}`, 'x-forwarded-for': '198.51.100.23' });
    const r = GpuStatsResponse.parse((await app.request('GET', '/api/gpu-stats', { cookie: s.cookie })).json);
    expect(r.latest.find((l) => l.host === '198.51.100.23')).toMatchObject({ index: 0, utilization_pct: 5 });
  });
});

describe('POST /api/gpu-stats with PROXY_GPU_AGENT_KEYS', () => {
  it('takes only the listed keys: another active key gets 403 and stores nothing', async () => {
    const agentId = 'a0a0a0a0a0a0a0a0';
    const listed = await startAdminApp({ clock, env: { PROXY_GPU_AGENT_KEYS: ` ${agentId.toUpperCase()} ,0123456789abcdef` } });
    try {
      await insertApiKey(listed.store.db, { id: agentId, name: 'gpu agent', keyHash: hashApiKey('wp-agent-listed'), keyPrefix: 'wp-age', createdAt: '2026-01-01T00:00:00.000Z' });
      await insertApiKey(listed.store.db, { id: 'b1b1b1b1b1b1b1b1', name: 'a tenant', keyHash: hashApiKey('wp-tenant'), keyPrefix: 'wp-ten', createdAt: '2026-01-01T00:00:00.000Z' });
      const send = (key: string) => listed.request('POST', '/api/gpu-stats', { body: { host: 'gpu-node-1', gpus: [b200(0, 50)] }, headers: { authorization: `Bearer ${key}` } });
      const tenant = await send('wp-tenant');
      expect({ status: tenant.status, json: tenant.json }).toEqual({ status: 403, json: { error: 'This key may not report GPU telemetry: its id is not in PROXY_GPU_AGENT_KEYS' } });
      expect((await send('wp-nobody')).status).toBe(401);
      const agent = await send('wp-agent-listed');
      expect({ status: agent.status, json: agent.json }).toEqual({ status: 200, json: { stored: 1, recorded_at: new Date(clock.now()).toISOString() } });
      const l = await listed.login();
      const stats = (await listed.request('GET', '/api/gpu-stats', { cookie: l.cookie })).json as { latest: { host: string }[] };
      expect(stats.latest.map((g) => g.host)).toEqual(['gpu-node-1']);
    } finally {
      await listed.close();
    }
  });
});

describe('GET /api/gpu-stats', () => {
  it('returns the latest reading per GPU and the raw history of the window', async () => {
    clock.set(T0 + 5000);
    await post({ host: 'gpu-host-1', gpus: [b200(0, 50), b200(1, 60)] });
    clock.set(T0 + 10_000);
    const r = await app.request('GET', '/api/gpu-stats?minutes=60', { cookie: s.cookie });
    expect(r.status).toBe(200);
    const body = GpuStatsResponse.parse(r.json);
    expect(body.minutes).toBe(60);
    expect(body.bucket_seconds).toBe(0);
    expect(body.latest.filter((l) => l.host === 'gpu-host-1')).toEqual([
      { host: 'gpu-host-1', ...b200(0, 50), recorded_at: '2026-06-01T10:00:05.000Z' },
      { host: 'gpu-host-1', ...b200(1, 60), recorded_at: '2026-06-01T10:00:05.000Z' },
    ]);
    const h1 = body.history.filter((h) => h.host === 'gpu-host-1').map((h) => [h.recorded_at, h.index, h.utilization_pct, h.power_w]);
    expect(h1).toEqual([
      ['2026-06-01T10:00:00.000Z', 0, 97, 612.5],
      ['2026-06-01T10:00:00.000Z', 1, null, null],
      ['2026-06-01T10:00:05.000Z', 0, 50, 612.5],
      ['2026-06-01T10:00:05.000Z', 1, 60, 612.5],
    ]);
    const short = GpuStatsResponse.parse((await app.request('GET', '/api/gpu-stats?minutes=1', { cookie: s.cookie })).json);
    expect(short.history.length).toBe(body.history.length);
    clock.set(T0 + 61_000);
    const later = GpuStatsResponse.parse((await app.request('GET', '/api/gpu-stats?minutes=1', { cookie: s.cookie })).json);
    expect(later.history.filter((h) => h.host === 'gpu-host-1').map((h) => h.recorded_at)).toEqual(['2026-06-01T10:00:05.000Z', '2026-06-01T10:00:05.000Z']);
    expect(later.latest.length).toBe(body.latest.length);
  });

  it('averages long windows into buckets', async () => {
    const day = GpuStatsResponse.parse((await app.request('GET', '/api/gpu-stats?minutes=1440', { cookie: s.cookie })).json);
    expect(day.bucket_seconds).toBe(600);
    expect(day.history.filter((h) => h.host === 'gpu-host-1')).toEqual([
      { host: 'gpu-host-1', ...b200(0, 73.5), recorded_at: '2026-06-01T10:00:00.000Z' },
      { host: 'gpu-host-1', ...b200(1, 60), recorded_at: '2026-06-01T10:00:00.000Z' },
    ]);
    expect(GpuStatsResponse.parse((await app.request('GET', '/api/gpu-stats?minutes=120', { cookie: s.cookie })).json).bucket_seconds).toBe(60);
    expect(GpuStatsResponse.parse((await app.request('GET', '/api/gpu-stats?minutes=10080', { cookie: s.cookie })).json).bucket_seconds).toBe(3600);
  });

  it.each(['0', '-5', 'abc', '10081', '1.5'])('400 for minutes=%s', async (m) => {
    const r = await app.request('GET', `/api/gpu-stats?minutes=${m}`, { cookie: s.cookie });
    expect({ status: r.status, json: r.json }).toEqual({ status: 400, json: { error: 'minutes must be an integer from 1 to 10080' } });
  });

  it('bounds retention: samples older than GPU_RETENTION_DAYS are deleted on a later write', async () => {
    const count = async () => Number((await app.store.db.selectFrom('gpu_samples').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    expect(before).toBeGreaterThan(0);
    clock.set(T0 + 86_400_000 + 60_000);
    await post({ host: 'gpu-host-2', gpus: [b200(0, 1)] });
    expect(await count()).toBe(1);
    const r = GpuStatsResponse.parse((await app.request('GET', '/api/gpu-stats', { cookie: s.cookie })).json);
    expect(r.latest.map((l) => l.host)).toEqual(['gpu-host-2']);
  });
});
