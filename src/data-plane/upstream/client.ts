/**
 * The upstream HTTP client: one keep-alive undici Pool per backend replica (created once at
 * start-up, 10 s connect timeout by default) and the choice of replica per attempt: the one
 * with the fewest requests outstanding among the healthy ones; a connect retry prefers a
 * different replica. A replica that refused a connection sits out a cooldown (1 s, doubling
 * per consecutive failure up to 30 s); after it, the next request tries it again, and any
 * response marks it healthy. With every replica cooling down, they are all tried anyway.
 */
import { Pool, type buildConnector } from 'undici';

/** One backend replica and the requests currently running on it. */
export interface Replica {
  readonly origin: string;
  readonly pool: Pool;
  outstanding: number;
  /** Consecutive connection failures (0 = healthy). */
  failures: number;
  /** While `now()` is below this, the replica is skipped if another one is available. */
  coolUntil: number;
}

export interface UpstreamOptions {
  readonly backends: readonly string[];
  readonly connectTimeoutMs: number;
  /** Replaces the TCP connector (tests use it to inject connection failures). */
  readonly connector?: buildConnector.connector;
  /** Monotonic milliseconds (tests inject one). */
  readonly now?: () => number;
}

export interface Upstream {
  readonly replicas: readonly Replica[];
  /** The replica for the next attempt; never `avoid` (the one that just failed) when there are others. */
  pick(avoid?: Replica): Replica;
  /** A connection to `replica` could not be made: cool it down. */
  markFailed(replica: Replica): void;
  /** `replica` answered: healthy again. */
  markOk(replica: Replica): void;
  close(): Promise<void>;
}

/** Idle sockets are closed before uvicorn's 5 s keep-alive does, so a reused socket is never stale. */
const KEEP_ALIVE_MS = 4000;
const COOLDOWN_MS = 1000;
const MAX_COOLDOWN_MS = 30_000;

export function createUpstream(opts: UpstreamOptions): Upstream {
  const replicas: Replica[] = opts.backends.map((origin) => ({
    origin,
    outstanding: 0,
    failures: 0,
    coolUntil: 0,
    pool: new Pool(origin, {
      connect: opts.connector ?? { timeout: opts.connectTimeoutMs },
      keepAliveTimeout: KEEP_ALIVE_MS,
      // Per-request timeouts are set on every dispatch (stream vs non-stream).
      headersTimeout: 0,
      bodyTimeout: 0,
    }),
  }));
  const now = opts.now ?? (() => performance.now());
  const first = replicas[0];
  if (first === undefined) throw new Error('at least one backend is required');
  return {
    replicas,
    pick(avoid) {
      if (replicas.length === 1) return first;
      const t = now();
      let best: Replica | undefined;
      let fallback: Replica | undefined;
      for (const r of replicas) {
        if (r === avoid) continue;
        if (r.coolUntil > t) {
          if (fallback === undefined || r.coolUntil < fallback.coolUntil) fallback = r;
        } else if (best === undefined || r.outstanding < best.outstanding) best = r;
      }
      return best ?? fallback ?? first;
    },
    markFailed(replica) {
      replica.failures++;
      replica.coolUntil = now() + Math.min(MAX_COOLDOWN_MS, COOLDOWN_MS * 2 ** (replica.failures - 1));
    },
    markOk(replica) {
      replica.failures = 0;
      replica.coolUntil = 0;
    },
    async close() {
      await Promise.all(replicas.map((r) => r.pool.close()));
    },
  };
}
