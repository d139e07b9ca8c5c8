/**
 * Mounts the /api/* control plane on the Fastify app. Placeholder until the routes land.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../core/config.js';
import type { Clock } from '../core/clock.js';
import type { Store } from '../store/db.js';

/** What the control plane needs from the composition root. */
export interface ControlPlaneDeps {
  readonly config: Config;
  readonly store: Store;
  readonly clock: Clock;
  /** Live gateway facts for /api/status, provided by server/. */
  readonly status: StatusPort;
}

/** Port: live facts about the gateway and its backend for GET /api/status. */
export interface StatusPort {
  inFlight(): number;
  startedAt(): number;
  version(): string;
}

export async function registerControlPlane(_app: FastifyInstance, _deps: ControlPlaneDeps): Promise<void> {
  // Routes are registered here.
}
