/**
 * Binds the data plane's KeyLookup port to the store, behind a cache that keeps each answer
 * (hit or miss) for at most `ttlMs` (default 1 s). A key revoked or deleted in the shared
 * store therefore stops working on every replica within a second, while a busy key costs
 * one database read per second instead of one per request. Concurrent misses share a read.
 *
 * Stale if error: while the store cannot answer (down, restarting, refusing connections,
 * locked), a key the store confirmed valid within the last `staleMs` keeps working, and any
 * other key gets 503 "Store unavailable". After a failed read the store is left alone for
 * RETRY_MS, so an outage costs one failed read per second, not one per request; a key that
 * is known valid does not wait more than STALE_WAIT_MS for a slow store.
 */
import type { Clock } from '../core/clock.js';
import { GatewayError } from '../core/errors.js';
import { MSG } from '../core/messages.js';
import { withDefaultConcurrency } from '../core/limits.js';
import type { KeyLookup, KeyPrincipal } from '../data-plane/context.js';
import { findApiKeyByHash } from '../store/api-keys.repo.js';
import type { Store } from '../store/db.js';

interface Entry {
  readonly at: number;
  readonly value: Promise<KeyPrincipal | undefined>;
}

interface Known {
  readonly principal: KeyPrincipal;
  /** When the store last said this key is active. */
  readonly validAt: number;
}

const MAX_ENTRIES = 10_000;
/** Keys remembered for stale answers (the oldest are forgotten first). */
const MAX_KNOWN = 100_000;
/** After a failed read, answer from what is known for this long before asking the store again. */
const RETRY_MS = 1000;
/** A known-valid key waits at most this long for a slow store before its stale answer is used. */
const STALE_WAIT_MS = 1000;
/** A key never seen waits at most this long before 503 (the pool's connect timeout is 5 s). */
const UNSEEN_WAIT_MS = 6000;

export interface KeyLookupOptions {
  readonly ttlMs?: number;
  /** How long a key confirmed valid is served while the store cannot answer (0 = never). */
  readonly staleMs?: number;
  /** A read failed (called at most once per RETRY_MS). */
  readonly onStoreError?: (err: unknown) => void;
  /**
   * The key has a daily or monthly budget it did not have when this process last read it
   * (`firstRead`: or this is the first read): budget counters are not kept while a budget is off.
   */
  readonly onBudgetAdded?: (keyId: string, firstRead: boolean) => void;
  /** PROXY_DEFAULT_CONCURRENCY: the concurrency of a key without one of its own (0 = none). */
  readonly defaultConcurrency?: number;
}

/** Whether `after` has a budget that `before` (undefined: never read) did not. */
function budgetAdded(before: KeyPrincipal | undefined, after: KeyPrincipal | undefined): boolean {
  const a = after?.policy?.limits;
  if (a === undefined || (a.dailyTokens === null && a.monthlyTokens === null)) return false;
  const b = before?.policy?.limits;
  return (a.dailyTokens !== null && (b?.dailyTokens ?? null) === null) || (a.monthlyTokens !== null && (b?.monthlyTokens ?? null) === null);
}

const STORE_UNAVAILABLE = new GatewayError('store_unavailable', MSG.storeUnavailable, { 'retry-after': String(RETRY_MS / 1000) });

export function createCachedKeyLookup(store: Store, clock: Clock, opts: KeyLookupOptions = {}): KeyLookup {
  const ttlMs = opts.ttlMs ?? 1000;
  const staleMs = opts.staleMs ?? 300_000;
  const cache = new Map<string, Entry>();
  const known = new Map<string, Known>();
  let storeDownUntil = 0;

  /** The stale answer for a key while the store cannot answer, or 503. */
  function stale(keyHash: string): KeyPrincipal {
    const k = known.get(keyHash);
    if (k !== undefined && clock.now() - k.validAt <= staleMs) return k.principal;
    throw STORE_UNAVAILABLE;
  }

  function remember(keyHash: string, principal: KeyPrincipal | undefined, at: number): void {
    known.delete(keyHash); // re-inserted last: the map stays in order of confirmation
    if (principal === undefined) return; // revoked or deleted: never served stale
    known.set(keyHash, { principal, validAt: at });
    if (known.size > MAX_KNOWN) known.delete(known.keys().next().value as string);
  }

  function read(keyHash: string, now: number): Promise<KeyPrincipal | undefined> {
    const query = findApiKeyByHash(store.db, keyHash).then(
      (row) => {
        if (row === undefined) {
          remember(keyHash, undefined, clock.now());
          return undefined;
        }
        if (!row.isActive) {
          remember(keyHash, undefined, clock.now());
          return { id: row.id, name: row.name, inactive: true } as const;
        }
        const policy = withDefaultConcurrency(row.policy, opts.defaultConcurrency ?? 0);
        const principal: KeyPrincipal = policy === undefined ? { id: row.id, name: row.name } : { id: row.id, name: row.name, policy };
        const before = known.get(keyHash);
        if (opts.onBudgetAdded !== undefined && budgetAdded(before?.principal, principal)) opts.onBudgetAdded(principal.id, before === undefined);
        remember(keyHash, principal, clock.now());
        return principal;
      },
      (err: unknown) => {
        if (clock.now() >= storeDownUntil) opts.onStoreError?.(err);
        storeDownUntil = clock.now() + RETRY_MS;
        throw err;
      },
    );
    const k = known.get(keyHash);
    const wait = k !== undefined && now - k.validAt <= staleMs ? STALE_WAIT_MS : UNSEEN_WAIT_MS;
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(STORE_UNAVAILABLE), wait);
      timer.unref();
    });
    return Promise.race([query, slow]).then(
      (v) => {
        clearTimeout(timer);
        return v;
      },
      () => {
        clearTimeout(timer);
        // A failed or stale answer is not cached: the next request (after RETRY_MS) asks again.
        cache.delete(keyHash);
        return stale(keyHash);
      },
    );
  }

  return {
    findByHash(keyHash) {
      const now = clock.now();
      const hit = cache.get(keyHash);
      if (hit !== undefined && now - hit.at < ttlMs) return hit.value;
      if (now < storeDownUntil) {
        const k = known.get(keyHash);
        if (k === undefined || now - k.validAt > staleMs) return Promise.reject(STORE_UNAVAILABLE);
        return Promise.resolve(k.principal);
      }
      const value = read(keyHash, now);
      if (cache.size >= MAX_ENTRIES) cache.clear();
      cache.set(keyHash, { at: now, value });
      return value;
    },
  };
}
