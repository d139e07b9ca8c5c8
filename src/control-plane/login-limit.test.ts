// The login limiter with Redis away: logins are still counted (in the database), and the
// failed reconnects ioredis reports about once a second make one log line, not one a second.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { openStore } from '../store/db.js';
import { createLoginLimiter } from './login-limit.js';

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('login limiter, Redis unreachable', () => {
  it('counts logins in the database and logs Redis being away once, not at every reconnect', async () => {
    const warns: string[] = [];
    const log = { warn: (_o: unknown, msg: string) => warns.push(msg) } as unknown as FastifyBaseLogger;
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    const limiter = await createLoginLimiter({ store, clock: { now: () => Date.now() }, redisUrl: `redis://127.0.0.1:${await closedPort()}`, log });
    try {
      for (let i = 0; i < 3; i++) expect((await limiter.hit('10.0.0.1')).allowed).toBe(true);
      // ioredis retries with growing delays (50 ms, 100 ms, …): several failures within 3 s.
      await new Promise((r) => setTimeout(r, 3000));
      expect(warns.filter((w) => w.startsWith('redis (login limit) error'))).toHaveLength(1);
    } finally {
      await limiter.close();
      await store.close();
    }
  });
});
