/**
 * Health endpoints for load balancers and supervisors, outside /api (no session, no CSRF):
 *   GET /healthz  liveness: 200 {"status":"ok"} while the process serves requests.
 *   GET /readyz   readiness: 200 when at least one backend is healthy, else 503 with the list
 *                 of what is failing. A model none of whose replicas is up makes it
 *                 `degraded` (200: the other models are served). A store that does not
 *                 answer makes the gateway `degraded`, still 200: /v1 keeps serving the keys it knows and spools their usage, and the
 *                 store is usually shared by every replica, so failing readiness on it would
 *                 take the whole fleet out of rotation at once. Once the store has been away
 *                 longer than keys are served from memory (PROXY_KEY_STALE_SECONDS), no key can
 *                 be checked and it is 503 again. Nothing asks who calls: the errors leave out
 *                 addresses and paths (GET /api/status has them).
 */
import type { FastifyInstance, LogLevel } from 'fastify';
import { sql } from 'kysely';
import type { Store } from '../store/db.js';

export interface ReadinessSources {
  readonly store: Store;
  /** How long known keys are served while the store does not answer (PROXY_KEY_STALE_SECONDS). */
  readonly keyStaleMs: number;
  readonly now: () => number;
  /** Whether at least one backend answered its last probe (cached a few seconds); `refusedKey`: one answered 401/403. */
  backendReachable(): Promise<{ readonly reachable: boolean; readonly refusedKey?: number }>;
  /** Whether the shared per-key limit counters (Redis) answer. */
  limitCounters(): { readonly reachable: boolean; readonly error: string | null };
  /** Models listed none of whose replicas is up (each in cooldown, hung or down). */
  modelsDown(): readonly string[];
  /** Usage the store has not taken yet: requests waiting in the spool, and why it refused them, if it did. */
  usageNotWritten(): string | undefined;
}

export interface ReadinessCheck {
  readonly name: 'store' | 'backend' | 'store-file' | 'limit-counters' | 'models' | 'usage-spool';
  readonly ok: boolean;
  readonly error?: string;
  /**
   * The error as /readyz shows it, to anyone who asks, when `error` names where a store lives
   * (a host and port, a file's path): a stranger learns what failed, not where. GET /api/status
   * and the log keep `error`.
   */
  readonly shown?: string;
}

/** A failure's code (`ECONNREFUSED`, `ENOTFOUND`, `SQLITE_BUSY`, `57P01`), which names no place. */
function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? code : undefined;
}

/** A check that does not answer within this long counts as failing (a locked or lost store). */
const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Whether the store answers a read of the keys table within CHECK_TIMEOUT_MS (GET /api/status shows it too). */
export async function storeCheck(store: Store): Promise<ReadinessCheck> {
  try {
    // A read of the table every /v1 request depends on (a lock on it fails the check too).
    await withTimeout(sql`select 1 from api_keys limit 1`.execute(store.db), CHECK_TIMEOUT_MS);
    return { name: 'store', ok: true };
  } catch (err) {
    const why = message(err);
    const shown = why.startsWith('no answer within') ? why : (codeOf(err) ?? 'its query failed (GET /api/status says why)');
    return { name: 'store', ok: false, error: `store does not answer: ${why}`, shown: `store does not answer: ${shown}` };
  }
}

/**
 * The SQLite file at its path is still the one the store has open. Never a reason to be unready
 * (the store answers, every key works): `degraded` until someone puts the file back or restarts.
 */
function storeFileCheck(store: Store): ReadinessCheck {
  const problem = store.fileProblem();
  if (problem === undefined) return { name: 'store-file', ok: true };
  const path = store.sqlitePath;
  return { name: 'store-file', ok: false, error: problem, shown: path === undefined ? problem : problem.replace(` ${path} `, ' ') };
}

/**
 * Redis for the per-key limits answers. Never a reason to be unready: requests go on, their
 * limits counted in each gateway (or 503 for keys with limits, PROXY_LIMITS_FAIL_OPEN=off).
 */
function limitCountersCheck(src: ReadinessSources): ReadinessCheck {
  const h = src.limitCounters();
  if (h.reachable) return { name: 'limit-counters', ok: true };
  const why = h.error ?? 'not connected';
  // The client's errors name the address (`connect ECONNREFUSED 10.0.0.5:6379`): only their code is shown.
  const code = /\b(E[A-Z]{3,}|NOAUTH|WRONGPASS|NOPERM)\b/.exec(why)?.[1];
  const shown = why.startsWith('not connected') || why.startsWith('commands time out') ? why : (code ?? 'its commands fail (GET /api/status says why)');
  return { name: 'limit-counters', ok: false, error: `limit counters (Redis) do not answer: ${why}`, shown: `limit counters (Redis) do not answer: ${shown}` };
}

/**
 * Every model has a replica that is up. Never a reason to be unready: the other models
 * are served, and the gateway cannot cure a model's replicas by leaving rotation.
 */
function modelsCheck(src: ReadinessSources): ReadinessCheck {
  const down = src.modelsDown();
  if (down.length === 0) return { name: 'models', ok: true };
  const names = down.join(', ');
  return { name: 'models', ok: false, error: `no replica of ${names} is up: each is in cooldown, hung or down (GET /api/backends says why)` };
}

/**
 * The store takes the usage it is sent. A store that answers reads but refuses writes (a
 * read-only standby after a failover, a gateway older than the store's schema) passes the read
 * check; its usage waits in the spool. Never a reason to be unready: requests are served and
 * their usage is kept.
 */
function usageSpoolCheck(src: ReadinessSources): ReadinessCheck {
  const why = src.usageNotWritten();
  return why === undefined ? { name: 'usage-spool', ok: true } : { name: 'usage-spool', ok: false, error: why };
}

async function backendCheck(src: ReadinessSources): Promise<ReadinessCheck> {
  try {
    const up = await withTimeout(src.backendReachable(), CHECK_TIMEOUT_MS * 3);
    if (up.reachable) return { name: 'backend', ok: true };
    const error = up.refusedKey === undefined ? 'no backend is reachable' : `the backend refuses the gateway's credentials (${up.refusedKey}): set VLLM_API_KEY to its --api-key`;
    return { name: 'backend', ok: false, error };
  } catch (err) {
    return { name: 'backend', ok: false, error: `backend probe failed: ${message(err)}` };
  }
}

/**
 * Route options for what load balancers and scrapers poll every few seconds: at the default
 * level (info) their requests would be most of the log, so they are logged only from debug on;
 * their errors are logged as any route's.
 */
export function polledRoute(app: FastifyInstance): { logLevel: LogLevel } {
  return { logLevel: (app.log.level === 'info' ? 'warn' : app.log.level) as LogLevel };
}

export function registerHealthRoutes(app: FastifyInstance, src: ReadinessSources): void {
  app.get('/healthz', polledRoute(app), async (_req, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));

  /** When the store check first failed since it last answered (the checks this endpoint ran). */
  let storeAwaySince: number | undefined;
  app.get('/readyz', polledRoute(app), async (_req, reply) => {
    const [store, backend] = await Promise.all([storeCheck(src.store), backendCheck(src)]);
    // With no backend reachable, that says it all; the models check names a part of the fleet.
    const checks = [store, backend, ...(backend.ok ? [modelsCheck(src)] : []), storeFileCheck(src.store), limitCountersCheck(src), ...(store.ok ? [usageSpoolCheck(src)] : [])];
    const now = src.now();
    if (store.ok) storeAwaySince = undefined;
    else storeAwaySince ??= now;
    const failing = checks.filter((c) => !c.ok).map((c) => ({ check: c.name, error: c.shown ?? c.error }));
    void reply.header('cache-control', 'no-store');
    if (failing.length === 0) return reply.send({ status: 'ready' });
    const keysLast = storeAwaySince !== undefined && now - storeAwaySince <= src.keyStaleMs;
    const unready = failing.some((f) => f.check === 'backend' || (f.check === 'store' && !keysLast));
    if (!unready) return reply.send({ status: 'degraded', failing });
    return reply.code(503).send({ status: 'not ready', failing });
  });
}
