/**
 * Watches the replicas of a fleet-benchmark run through their own `/metrics`, as an operator
 * would: requests in flight (running + waiting) per replica at every tick, and the
 * prefix-cache counters (queries and hits, in tokens) added up across restarts (a restarted
 * replica starts again from 0, so a counter that went down is a new process).
 */
import { parseEngineMetrics } from '../data-plane/upstream/engine-metrics.js';

export interface InFlightSample {
  /** ms since the sampler started. */
  readonly t: number;
  /** Per replica; undefined when its /metrics did not answer (killed). */
  readonly inFlight: readonly (number | undefined)[];
}

export interface PrefixTotals {
  queries: number;
  hits: number;
}

export interface ReplicaSampler {
  readonly samples: readonly InFlightSample[];
  /** Per replica, added up over restarts. */
  readonly prefix: readonly PrefixTotals[];
  /** Scrapes every replica once more now (before a kill or a hang, at the end); resolves with their requests in flight. */
  scrapeNow(): Promise<readonly (number | undefined)[]>;
  /** Replica i was killed: its next process counts from 0. */
  forget(i: number): void;
  stop(): Promise<void>;
}

async function scrape(url: string): Promise<ReturnType<typeof parseEngineMetrics> | undefined> {
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(1000) });
    if (res.status !== 200) return undefined;
    return parseEngineMetrics(await res.text());
  } catch {
    return undefined;
  }
}

export function startReplicaSampler(urls: readonly string[], everyMs: number): ReplicaSampler {
  const t0 = performance.now();
  const samples: InFlightSample[] = [];
  const prefix: PrefixTotals[] = urls.map(() => ({ queries: 0, hits: 0 }));
  const last: (PrefixTotals | undefined)[] = urls.map(() => undefined);
  let running = true;

  const tick = async (record: boolean): Promise<readonly (number | undefined)[]> => {
    const t = performance.now() - t0;
    const got = await Promise.all(urls.map(scrape));
    const inFlight = got.map((m, i) => {
      if (m === undefined) return undefined;
      const q = m.prefixCacheQueries ?? 0;
      const h = m.prefixCacheHits ?? 0;
      const prev = last[i];
      const acc = prefix[i] as PrefixTotals;
      // A counter below its last reading: the replica was restarted and counts from 0 again.
      const restarted = prev === undefined || q < prev.queries;
      acc.queries += restarted ? q : q - prev.queries;
      acc.hits += restarted ? h : h - prev.hits;
      last[i] = { queries: q, hits: h };
      return (m.running ?? 0) + (m.waiting ?? 0);
    });
    if (record) samples.push({ t, inFlight });
    return inFlight;
  };

  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await tick(true);
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (performance.now() - started))));
    }
  })();

  return {
    samples,
    prefix,
    scrapeNow: () => tick(false),
    forget(i) {
      last[i] = undefined;
    },
    async stop() {
      running = false;
      await loop;
      await tick(false);
    },
  };
}

/** `worv_proxy_replica_hung{replica="<url>"}` from the gateway's /metrics: true when 1. */
export async function gatewaySeesHung(gatewayPort: number, replicaUrl: string): Promise<boolean | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${gatewayPort}/metrics`, { signal: AbortSignal.timeout(1000) });
    const text = await res.text();
    const line = `worv_proxy_replica_hung{replica="${replicaUrl}"} `;
    const at = text.indexOf(line);
    if (at < 0) return undefined;
    return text.charAt(at + line.length) === '1';
  } catch {
    return undefined;
  }
}

/** `worv_proxy_replica_routed_total` from the gateway's /metrics, summed over its replicas by route. */
export async function gatewayRoutes(gatewayPort: number): Promise<Record<string, number>> {
  const res = await fetch(`http://127.0.0.1:${gatewayPort}/metrics`, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^worv_proxy_replica_routed_total\{replica="[^"]*",route="([a-z_]+)"\} (\d+)$/gm)) {
    out[m[1] as string] = (out[m[1] as string] ?? 0) + Number(m[2]);
  }
  return out;
}
