/**
 * GET /api/status: the live model and backend health as the status port reports
 * them (a cached probe of the backend's /v1/models), how many replicas of each model are up,
 * whether the store answers, where the
 * per-key limit counters are and whether they answer, the usage spool, and the gateway's version, uptime and requests in flight. It needs nothing from the
 * store itself, so it answers during the store's outages (with a session confirmed before).
 */
import type { FastifyInstance } from 'fastify';
import { isoTime } from '../core/clock.js';
import type { BackendsResponse, StatusResponse } from '../shared/api-contract.js';
import type { RouteDeps } from './deps.js';

export function statusRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { status, clock } = deps;

  app.get('/status', { config: { duringStoreOutage: true } }, async (): Promise<StatusResponse> => {
    const [b, store] = await Promise.all([status.backend(), status.store()]);
    const fleet = status.fleet();
    const checkedAt = b.checkedAt === null ? null : typeof b.checkedAt === 'number' ? isoTime(b.checkedAt) : b.checkedAt;
    const startedAt = status.startedAt();
    const spool = status.usageSpool();
    return {
      model: b.model,
      backend: { reachable: b.reachable, latency_ms: b.latencyMs === null ? null : Math.round(b.latencyMs), model: b.model, checked_at: checkedAt },
      models: modelAvailability(fleet),
      // A removed replica finishing its requests is not in use, nor out of it.
      replicas_out: fleet.replicas.filter((r) => r.health !== 'up' && r.health !== 'starting' && r.health !== 'removed').length,
      version: status.version(),
      started_at: isoTime(startedAt),
      uptime_seconds: Math.max(0, Math.floor((clock.now() - startedAt) / 1000)),
      in_flight: status.inFlight(),
      store: { reachable: store.reachable, error: store.error, file_problem: store.fileProblem, write_error: store.writeError },
      limit_counters: status.limitCounters(),
      usage_spool: { entries: spool.entries, oldest_age_seconds: spool.oldestAt === undefined ? null : Math.max(0, Math.round((clock.now() - spool.oldestAt) / 1000)) },
    };
  });
}

/** Each listed model with its replicas and how many of them are up (a model with none up is down). */
function modelAvailability(fleet: BackendsResponse): StatusResponse['models'] {
  const up = new Set(fleet.replicas.filter((r) => r.health === 'up').map((r) => r.url));
  return fleet.models.map((m) => ({ id: m.id, replicas: m.replicas.length, up: m.replicas.filter((r) => up.has(r.url)).length }));
}
