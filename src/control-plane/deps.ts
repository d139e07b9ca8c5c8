/**
 * What every /api route module receives: the store, the clock, the configuration, the
 * session manager and the status port. Built once in routes.ts.
 */
import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Store } from '../store/db.js';
import type { SessionManager } from './session.js';
import type { StatusPort } from './status-port.js';

export interface RouteDeps {
  readonly config: Config;
  readonly store: Store;
  readonly clock: Clock;
  readonly sessions: SessionManager;
  readonly status: StatusPort;
  /**
   * Resolves once every usage commit so far is in the counters, as far as the store takes them.
   * `forRead`: usage is read next; rejects with 503 while the store refuses them.
   */
  readonly settleUsage: (forRead?: boolean) => Promise<void>;
  /** Requests of a key in flight on every replica sharing the limit counters. */
  readonly keyInFlight: (keyId: string) => Promise<number>;
  /** Resolves once the request log's queued rows are written: awaited before reading the log. */
  readonly settleRequestLog: () => Promise<void>;
}
