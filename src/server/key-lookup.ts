/**
 * Binds the data plane's KeyLookup port to the store, behind a cache that keeps each answer
 * (hit or miss) for at most `ttlMs` (default 1 s). A key revoked or deleted in the shared
 * store therefore stops working on every replica within a second, while a busy key costs
 * one database read per second instead of one per request. Concurrent misses share a read.
 */
import type { Clock } from '../core/clock.js';
import type { KeyLookup, KeyPrincipal } from '../data-plane/context.js';
import { findApiKeyByHash } from '../store/api-keys.repo.js';
import type { Store } from '../store/db.js';

interface Entry {
  readonly at: number;
  readonly value: Promise<KeyPrincipal | undefined>;
}

const MAX_ENTRIES = 10_000;

export function createCachedKeyLookup(store: Store, clock: Clock, ttlMs = 1000): KeyLookup {
  const cache = new Map<string, Entry>();
  return {
    findActiveByHash(keyHash) {
      const now = clock.now();
      const hit = cache.get(keyHash);
      if (hit !== undefined && now - hit.at < ttlMs) return hit.value;
      const value = findApiKeyByHash(store.db, keyHash).then((row) =>
        row?.isActive === true ? { id: row.id, name: row.name } : undefined,
      );
      // A failed read must not be cached: the next request retries.
      value.catch(() => cache.delete(keyHash));
      if (cache.size >= MAX_ENTRIES) cache.clear();
      cache.set(keyHash, { at: now, value });
      return value;
    },
  };
}
