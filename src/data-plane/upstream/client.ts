/**
 * The upstream HTTP client: one keep-alive undici Pool per backend replica (created once at
 * start-up, 10 s connect timeout by default) and the choice of replica per attempt: the one
 * with the fewest requests outstanding; a connect retry prefers a different replica.
 */
import { Pool, type buildConnector } from 'undici';

/** One backend replica and the requests currently running on it. */
export interface Replica {
  readonly origin: string;
  readonly pool: Pool;
  outstanding: number;
}

export interface UpstreamOptions {
  readonly backends: readonly string[];
  readonly connectTimeoutMs: number;
  /** Replaces the TCP connector (tests use it to inject connection failures). */
  readonly connector?: buildConnector.connector;
}

export interface Upstream {
  readonly replicas: readonly Replica[];
  /** The replica for the next attempt; never `avoid` (the one that just failed) when there are others. */
  pick(avoid?: Replica): Replica;
  close(): Promise<void>;
}

/** Idle sockets are closed before uvicorn's 5 s keep-alive does, so a reused socket is never stale. */
const KEEP_ALIVE_MS = 4000;

export function createUpstream(opts: UpstreamOptions): Upstream {
  const replicas: Replica[] = opts.backends.map((origin) => ({
    origin,
    outstanding: 0,
    pool: new Pool(origin, {
      connect: opts.connector ?? { timeout: opts.connectTimeoutMs },
      keepAliveTimeout: KEEP_ALIVE_MS,
      // Per-request timeouts are set on every dispatch (stream vs non-stream).
      headersTimeout: 0,
      bodyTimeout: 0,
    }),
  }));
  const first = replicas[0];
  if (first === undefined) throw new Error('at least one backend is required');
  return {
    replicas,
    pick(avoid) {
      if (replicas.length === 1) return first;
      let best: Replica | undefined;
      for (const r of replicas) {
        if (r === avoid) continue;
        if (best === undefined || r.outstanding < best.outstanding) best = r;
      }
      return best ?? first;
    },
    async close() {
      await Promise.all(replicas.map((r) => r.pool.close()));
    },
  };
}
