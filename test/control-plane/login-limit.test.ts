import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../helpers/clock.js';
import { MSG } from '../../src/core/messages.js';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import { REDIS_URL, redisUnavailableReason } from '../helpers/redis.js';
import { ADMIN, appsClosedAfterEach, postgresStore, sqliteFileStore, type AdminApp } from './admin-app.js';

const redisSkip = await redisUnavailableReason();
if (redisSkip !== undefined) console.warn(`[skip redis] ${redisSkip}`);
const pgSkip = await postgresUnavailableReason();
if (pgSkip !== undefined) console.warn(`[skip postgres] ${pgSkip}`);

const { specs, start } = appsClosedAfterEach();

const T0 = Date.parse('2026-05-01T12:00:00Z');
const wrong = { username: 'admin', password: 'not-the-password' };
const attempt = (app: AdminApp, xff?: string, body: unknown = wrong) =>
  app.request('POST', '/api/login', { body, ...(xff !== undefined ? { headers: { 'x-forwarded-for': xff } } : {}) });

async function exhaust(app: AdminApp, xff?: string): Promise<void> {
  for (let i = 0; i < 10; i++) expect((await attempt(app, xff)).status).toBe(401);
}

describe('login rate limit (database counter)', () => {
  it('allows 10 attempts per minute per IP, then 429 JSON with Retry-After, even with the right password', async () => {
    const clock = fixedClock(T0 + 15_000);
    const app = await start({ clock });
    await exhaust(app);
    const r = await attempt(app, undefined, ADMIN);
    expect(r.status).toBe(429);
    expect(r.json).toEqual({ error: MSG.tooManyLoginAttempts });
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('retry-after')).toBe('45');
    expect(r.headers.get('set-cookie')).toBeNull();
    clock.advance(45_000);
    expect((await attempt(app, undefined, ADMIN)).status).toBe(200);
  });

  it('counts malformed bodies too, and only the login route', async () => {
    const app = await start({ clock: fixedClock(T0) });
    for (let i = 0; i < 10; i++) expect((await app.request('POST', '/api/login', { raw: '{' })).status).toBe(400);
    expect((await attempt(app)).status).toBe(429);
    expect((await app.request('GET', '/api/me')).status).toBe(401);
  });

  it('takes the client IP from X-Forwarded-For through the trusted loopback proxy', async () => {
    const app = await start({ clock: fixedClock(T0) });
    await exhaust(app, '203.0.113.7');
    expect((await attempt(app, '203.0.113.7')).status).toBe(429);
    expect((await attempt(app, '198.51.100.1')).status).toBe(401);
    // A client cannot escape by prepending addresses: the proxy's appended hop decides.
    expect((await attempt(app, '192.0.2.99, 203.0.113.7')).status).toBe(429);
    expect((await attempt(app, '10.9.9.9, 192.0.2.98, 203.0.113.7')).status).toBe(429);
  });

  it('ignores X-Forwarded-For when the peer is not a trusted proxy', async () => {
    const app = await start({ clock: fixedClock(T0), env: { TRUST_PROXY: '10.0.0.0/8' } });
    for (let i = 0; i < 10; i++) expect((await attempt(app, `203.0.113.${i}`)).status).toBe(401);
    expect((await attempt(app, '198.51.100.77')).status).toBe(429);
  });

  it('holds across two replicas sharing one SQLite file', async () => {
    const spec = sqliteFileStore();
    specs.push(spec);
    const clock = fixedClock(T0);
    const a = await start({ clock, storeSpec: spec });
    const b = await start({ clock, storeSpec: spec, seedAdmin: false });
    for (let i = 0; i < 10; i++) expect((await attempt(i % 2 === 0 ? a : b)).status).toBe(401);
    expect((await attempt(a)).status).toBe(429);
    expect((await attempt(b)).status).toBe(429);
  });

  it.skipIf(pgSkip !== undefined)('holds across two replicas sharing Postgres', async () => {
    const spec = postgresStore();
    specs.push(spec);
    const clock = fixedClock(T0);
    const a = await start({ clock, storeSpec: spec });
    const b = await start({ clock, storeSpec: spec, seedAdmin: false });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt(i % 2 === 0 ? a : b)));
    expect(results.map((r) => r.status).sort()).toEqual([...Array(10).fill(401), 429, 429]);
    expect((await attempt(b)).status).toBe(429);
  });
});

describe.skipIf(redisSkip !== undefined)('login rate limit (Redis counter)', () => {
  // Addresses unique to this run, so runs sharing one Redis never meet.
  const ip = (n: number) => `10.${randomBytes(1)[0] ?? 0}.${randomBytes(1)[0] ?? 0}.${n}`;
  const [ipA, ipB] = [ip(1), ip(2)];
  const key = (addr: string, window = 0) => `worv-proxy:login:${addr}:${T0 - (T0 % 60_000) + window * 60_000}`;
  afterAll(async () => {
    const r = new Redis(REDIS_URL);
    await r.del(key(ipA), key(ipB), key(ipA, 1));
    await r.quit();
  });

  it('keeps the counter in Redis: replicas on separate databases share one limit', async () => {
    const clock = fixedClock(T0);
    const a = await start({ clock, env: { REDIS_URL } });
    const b = await start({ clock, env: { REDIS_URL } });
    for (let i = 0; i < 10; i++) expect((await attempt(i % 2 === 0 ? a : b, ipA)).status).toBe(401);
    expect((await attempt(b, ipA)).status).toBe(429);
    expect((await attempt(a, ipA)).status).toBe(429);
    expect((await attempt(a, ipB)).status).toBe(401);
    const r = new Redis(REDIS_URL);
    try {
      expect(await r.get(key(ipA))).toBe('12');
      const ttl = await r.pttl(key(ipA));
      expect(ttl).toBeGreaterThan(60_000);
      expect(ttl).toBeLessThanOrEqual(120_000);
    } finally {
      await r.quit();
    }
    expect(await a.store.db.selectFrom('rate_limits').selectAll().execute()).toEqual([]);
    clock.advance(60_000);
    expect((await attempt(a, ipA, ADMIN)).status).toBe(200);
  });

  it('starts, and counts in the database, when Redis accepts connections and never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const app = await start({ clock: fixedClock(T0), env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
      await exhaust(app);
      expect((await attempt(app)).status).toBe(429);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 30_000);

  it('falls back to the database counter when Redis is unreachable', async () => {
    const clock = fixedClock(T0);
    const app = await start({ clock, env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    await exhaust(app);
    expect((await attempt(app)).status).toBe(429);
  });
});
