/**
 * The port through which the composition root tells the control plane live facts about the
 * gateway and its backend, for GET /api/status.
 */
import type { BackendsResponse } from '../shared/api-contract.js';

/** The backend as last probed (its `/v1/models`). `checkedAt` is epoch ms or an ISO string. */
export interface BackendHealth {
  readonly reachable: boolean;
  readonly latencyMs: number | null;
  readonly model: string | null;
  readonly checkedAt: number | string | null;
}

export interface StatusPort {
  /** Requests currently being served on /v1. */
  inFlight(): number;
  /** Epoch ms at which the gateway started. */
  startedAt(): number;
  version(): string;
  /** Backend reachability, latency and live model (the data plane's cached `/v1/models` probe). */
  backend(): Promise<BackendHealth>;
  /** The replicas and the models they list, with each replica's health (as GET /api/backends). */
  fleet(): BackendsResponse;
  /** Whether the store answers now, why not when it does not, and whether its SQLite file was removed or replaced. */
  /** `writeError`: it answers reads but has not taken usage (the spool holds it), and why. */
  store(): Promise<{ readonly reachable: boolean; readonly error: string | null; readonly fileProblem: string | null; readonly writeError: string | null }>;
  /** The usage spool: increments waiting for the store, and the oldest one's epoch ms. */
  usageSpool(): { readonly entries: number; readonly oldestAt: number | undefined };
  /** Where the per-key limit counters are, and whether they answer (Redis may not). */
  limitCounters(): { readonly where: 'redis' | 'store' | 'process'; readonly reachable: boolean; readonly error: string | null };
}
