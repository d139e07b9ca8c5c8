/**
 * The port through which the composition root shows the control plane the backends in use
 * (GET /api/backends) and applies a change made through this gateway at once.
 */
import type { BackendsResponse } from '../shared/api-contract.js';

export interface BackendsPort {
  /** Replicas with health, metrics and history, and the models they serve. */
  view(): BackendsResponse;
  /** Reads the stored backends and applies them now (every gateway also does so each second). */
  sync(): Promise<void>;
}
