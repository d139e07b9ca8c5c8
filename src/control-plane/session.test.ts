// Admin sessions while the store cannot answer: one the store confirmed within the window is
// answered from memory (and marked so: routes must opt in), never after the window, after its
// expiry, after a sign-out here, or with the window set to 0.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.js';
import { openStore, type Store } from '../store/db.js';
import { upsertAdminUser } from '../store/admin-users.repo.js';
import { createSessionManager, isFromMemory } from './session.js';

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const DOWN = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

/** A store whose queries fail like an unreachable database while `down` is set. */
async function flakyStore(): Promise<{ store: Store; setDown(down: boolean): void; close(): Promise<void> }> {
  const real = await openStore({ kind: 'sqlite', path: ':memory:' });
  await upsertAdminUser(real.db, { username: 'ops', passwordHash: 'h', now: new Date(T0).toISOString() });
  let down = false;
  const failing = new Proxy(real.db, {
    get: () => () => {
      throw DOWN;
    },
  });
  const store = { ...real, get db() {
    return down ? failing : real.db;
  } } as Store;
  return { store, setDown: (d) => void (down = d), close: () => real.close() };
}

describe('admin sessions while the store is away', () => {
  let t = T0;
  const clock: Clock = { now: () => t };
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    t = T0;
  });

  async function signedIn(staleMs: number) {
    const flaky = await flakyStore();
    close = flaky.close;
    const sessions = createSessionManager(flaky.store, clock, staleMs);
    let token = '';
    const reply = { setCookie: (_n: string, v: string) => ((token = v), reply), clearCookie: () => reply } as unknown as FastifyReply;
    const bare = { protocol: 'http', cookies: {}, unsignCookie: (v: string) => ({ valid: true, renew: false, value: v }) };
    const started = await sessions.start(bare as unknown as FastifyRequest, reply, 'ops');
    const request = { ...bare, cookies: { worv_session: token } } as unknown as FastifyRequest;
    return { flaky, sessions, started, request, reply };
  }

  it('answers a confirmed session from memory, marked, within the window only', async () => {
    const { flaky, sessions, started, request } = await signedIn(300_000);
    const live = await sessions.load(request);
    expect(live).toEqual(started);
    expect(isFromMemory(live!)).toBe(false);
    flaky.setDown(true);
    t += 300_000;
    const remembered = await sessions.load(request);
    expect(remembered).toEqual(started);
    expect(isFromMemory(remembered!)).toBe(true);
    t += 1;
    await expect(sessions.load(request)).rejects.toBe(DOWN);
  });

  it('never with the window at 0, and never past the session\'s expiry', async () => {
    const zero = await signedIn(0);
    zero.flaky.setDown(true);
    await expect(zero.sessions.load(zero.request)).rejects.toBe(DOWN);
    await close?.();
    const { flaky, sessions, started, request } = await signedIn(Number.MAX_SAFE_INTEGER);
    flaky.setDown(true);
    t = Date.parse(started.expiresAt);
    await expect(sessions.load(request)).rejects.toBe(DOWN);
  });

  it('never after a sign-out here, even one the store did not take', async () => {
    const { flaky, sessions, request, reply } = await signedIn(300_000);
    flaky.setDown(true);
    await expect(sessions.end(request, reply)).rejects.toBe(DOWN);
    await expect(sessions.load(request)).rejects.toBe(DOWN);
    // Nor remembered again once the store answers (a read that raced the sign-out).
    flaky.setDown(false);
    await sessions.load(request); // the row is still there: the delete failed
    flaky.setDown(true);
    await expect(sessions.load(request)).rejects.toBe(DOWN);
  });
});
