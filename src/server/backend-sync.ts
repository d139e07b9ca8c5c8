/**
 * Applies the backends stored in the shared store to this gateway: read once at start, then
 * every second, as the key cache re-reads a key (server/key-lookup.ts), so a backend added or
 * removed from any replica, the console or the CLI is in use everywhere within about a second.
 * While the store cannot answer, the backends in use stay as they are.
 */
import { effectiveBackends } from '../core/backend-url.js';
import { listBackendChanges } from '../store/backends.repo.js';
import type { Store } from '../store/db.js';

export interface BackendSyncOptions {
  readonly store: Store;
  /** The environment's VLLM_BASE_URL list (the boot default). */
  readonly env: readonly string[];
  readonly apply: (urls: readonly string[]) => { readonly added: readonly string[]; readonly removed: readonly string[] };
  readonly intervalMs?: number;
  readonly onChange?: (added: readonly string[], removed: readonly string[]) => void;
  /** A read failed (reported once until a read succeeds again). */
  readonly onError?: (err: unknown) => void;
  /** The stored changes leave no backend: the environment's list is used. */
  readonly onEmpty?: () => void;
}

export interface BackendSync {
  /** Reads the store and applies its list now (after a change made through this gateway). */
  sync(): Promise<void>;
  close(): void;
}

/** The backends to start with: the store's list, else (store unreadable, or nothing left) the environment's. */
export async function bootBackends(store: Store, env: readonly string[]): Promise<string[]> {
  const list = effectiveBackends(env, await listBackendChanges(store.db));
  return list.length > 0 ? list : [...env];
}

export function startBackendSync(o: BackendSyncOptions): BackendSync {
  let failing = false;
  let empty = false;
  let current = '';
  let chain: Promise<void> = Promise.resolve();
  let pending = 0;
  const once = async (): Promise<void> => {
    try {
      let list = effectiveBackends(o.env, await listBackendChanges(o.store.db));
      if (list.length === 0 && !empty) o.onEmpty?.();
      empty = list.length === 0;
      if (empty) list = [...o.env];
      failing = false;
      const key = list.join(' ');
      if (key === current) return;
      current = key;
      const { added, removed } = o.apply(list);
      if (added.length > 0 || removed.length > 0) o.onChange?.(added, removed);
    } catch (err) {
      if (!failing) o.onError?.(err);
      failing = true;
    }
  };
  // Reads run one after another: a sync asked for after a write reads after that write.
  const sync = (): Promise<void> => {
    pending++;
    chain = chain.then(once).finally(() => {
      pending--;
    });
    return chain;
  };
  const timer = setInterval(() => {
    if (pending === 0) void sync();
  }, o.intervalMs ?? 1000);
  timer.unref();
  void sync();
  return { sync, close: () => clearInterval(timer) };
}
