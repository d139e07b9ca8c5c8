import type { KyselyPlugin } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../core/api-key.js';
import { fixedClock } from '../../test/helpers/clock.js';
import { GatewayError } from '../core/errors.js';
import { createApiKey, updateApiKey } from '../store/api-keys.repo.js';
import { openStore, type Store } from '../store/db.js';
import { createCachedKeyLookup } from './key-lookup.js';

/** A store whose queries fail while `down` is set (as a database that cannot be reached). */
function flakyStore(real: Store, state: { down: boolean; reads: number }): Store {
  const plugin: KyselyPlugin = {
    transformQuery(args) {
      state.reads++;
      if (state.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      return args.node;
    },
    transformResult: (args) => Promise.resolve(args.result),
  };
  return { ...real, db: real.db.withPlugin(plugin) };
}

describe('key lookup: stale if error', () => {
  let real: Store;
  const state = { down: false, reads: 0 };
  beforeEach(async () => {
    real = await openStore({ kind: 'sqlite', path: ':memory:' });
    state.down = false;
    state.reads = 0;
  });
  afterEach(async () => real.close());

  it('serves a key seen valid within the stale window while the store is down, and 503s every other key', async () => {
    const clock = fixedClock(1_000_000);
    const a = (await createApiKey(real.db, { name: 'a', createdAt: 'x' }))!;
    const b = (await createApiKey(real.db, { name: 'b', createdAt: 'x' }))!;
    const lookup = createCachedKeyLookup(flakyStore(real, state), clock, { staleMs: 300_000 });
    expect(await lookup.findByHash(hashApiKey(a.key))).toEqual({ id: a.id, name: 'a' });

    state.down = true;
    clock.advance(1500);
    expect(await lookup.findByHash(hashApiKey(a.key))).toEqual({ id: a.id, name: 'a' });
    const err = await lookup.findByHash(hashApiKey(b.key)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ status: 503, message: 'Store unavailable', kind: 'store_unavailable', headers: { 'retry-after': '1' } });

    // Within a second of a failed read the store is not asked again.
    const reads = state.reads;
    for (let i = 0; i < 20; i++) await lookup.findByHash(hashApiKey(a.key));
    expect(state.reads).toBe(reads);

    // Past the stale window the known key is refused too.
    clock.advance(300_000);
    await expect(lookup.findByHash(hashApiKey(a.key))).rejects.toMatchObject({ status: 503 });

    // Back: the store answers again and both keys work.
    state.down = false;
    clock.advance(1001);
    expect(await lookup.findByHash(hashApiKey(a.key))).toEqual({ id: a.id, name: 'a' });
    expect(await lookup.findByHash(hashApiKey(b.key))).toEqual({ id: b.id, name: 'b' });
  });

  it('never serves a revoked key stale, and staleMs 0 serves none', async () => {
    const clock = fixedClock(1_000_000);
    const a = (await createApiKey(real.db, { name: 'a', createdAt: 'x' }))!;
    const lookup = createCachedKeyLookup(flakyStore(real, state), clock, { staleMs: 300_000 });
    expect(await lookup.findByHash(hashApiKey(a.key))).toBeDefined();
    await updateApiKey(real.db, a.id, { isActive: false });
    clock.advance(1001);
    expect(await lookup.findByHash(hashApiKey(a.key))).toEqual({ id: a.id, name: 'a', inactive: true });
    state.down = true;
    clock.advance(1001);
    await expect(lookup.findByHash(hashApiKey(a.key))).rejects.toMatchObject({ status: 503 });

    const off = createCachedKeyLookup(flakyStore(real, { down: false, reads: 0 }), clock, { staleMs: 0 });
    await updateApiKey(real.db, a.id, { isActive: true });
    expect(await off.findByHash(hashApiKey(a.key))).toBeDefined();
    const offDown = createCachedKeyLookup(flakyStore(real, state), clock, { staleMs: 0 });
    await expect(offDown.findByHash(hashApiKey(a.key))).rejects.toMatchObject({ status: 503 });
  });
});

