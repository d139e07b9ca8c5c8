/**
 * One run of the fleet benchmark: fresh replicas and a gateway with one routing policy, the
 * agent trace played through it, the replicas' /metrics sampled meanwhile; optionally the
 * fault schedule (one replica killed and started again, another hung until the gateway ejects
 * it, then resumed). Returns the raw material the report summarises.
 */
import type { TraceRequest } from './agent-trace.js';
import { startAgentLoad, type RequestRecord } from './agent-load.js';
import { sampleTree } from './proc-stat.js';
import type { LaunchReplicas } from './replica-set.js';
import { gatewayRoutes, gatewaySeesHung, startReplicaSampler, type InFlightSample, type PrefixTotals } from './replica-sampler.js';

export type Routing = 'affinity' | 'least-in-flight';

/** When the faults happen, ms after the load starts. */
export interface FaultPlan {
  readonly killAtMs: number;
  /** How long the killed replica stays down. */
  readonly downMs: number;
  readonly hangAtMs: number;
}

export interface FaultOutcome {
  readonly killedReplica: number;
  readonly killedAtMs: number;
  readonly restartedAtMs: number;
  readonly hungReplica: number;
  readonly hungAtMs: number;
  /** Hang → the gateway's `worv_proxy_replica_hung` gauge read 1; undefined when it never did. */
  readonly ejectedAfterMs: number | undefined;
  readonly resumedAtMs: number;
}

export interface RunSpec {
  readonly name: string;
  readonly replicas: number;
  readonly prefixCacheBlocks: number;
  /** Requests each replica generates at once (0: no limit). */
  readonly maxNumSeqs: number;
  readonly routing: Routing;
  readonly faults: FaultPlan | undefined;
}

export interface RunContext {
  readonly launch: LaunchReplicas;
  readonly trace: readonly (readonly TraceRequest[])[];
  readonly rampMs: number;
  readonly hungSeconds: number;
  readonly healthIntervalSeconds: number;
  readonly sampleMs: number;
  /** Prompt tokens every request shares (system and tools). */
  readonly sharedTokens: number;
  readonly log: (line: string) => void;
}

export interface RawRun {
  readonly spec: RunSpec;
  readonly wallMs: number;
  readonly records: readonly RequestRecord[];
  readonly samples: readonly InFlightSample[];
  readonly prefix: readonly PrefixTotals[];
  readonly gatewayCpuSeconds: number;
  readonly faults: FaultOutcome | undefined;
  readonly sharedTokens: number;
  /** The gateway's own count of how it chose each request's replica (route → requests). */
  readonly routes: Readonly<Record<string, number>>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The replica with the most requests in flight other than `except`; replica 2 on a tie. */
export function busiest(inFlight: readonly (number | undefined)[], except: number): number {
  let best = 2;
  inFlight.forEach((n, i) => {
    if (i !== except && (n ?? -1) > (inFlight[best] ?? -1)) best = i;
  });
  return best;
}

export async function runOne(spec: RunSpec, c: RunContext): Promise<RawRun> {
  c.log(`  ${spec.name}: ${spec.replicas} replica(s), PROXY_ROUTING=${spec.routing}`);
  const set = await c.launch({
    label: spec.name,
    replicas: spec.replicas,
    prefixCacheBlocks: spec.prefixCacheBlocks,
    maxNumSeqs: spec.maxNumSeqs,
    env: { PROXY_ROUTING: spec.routing, PROXY_HUNG_SECONDS: String(c.hungSeconds), PROXY_HEALTH_INTERVAL: String(c.healthIntervalSeconds) },
  });
  try {
    const cpu0 = sampleTree(set.gatewayPid).cpuSeconds;
    const sampler = startReplicaSampler(set.urls, c.sampleMs);
    const t0 = performance.now();
    const load = startAgentLoad({ port: set.gatewayPort, authorization: set.authorization, trace: c.trace, rampMs: c.rampMs, timeoutMs: 120_000 });
    const at = async (ms: number): Promise<number> => {
      await sleep(Math.max(0, ms - (performance.now() - t0)));
      return performance.now() - t0;
    };
    let faults: FaultOutcome | undefined;
    if (spec.faults !== undefined && spec.replicas >= 3) {
      const f = spec.faults;
      const killed = 1;
      await at(f.killAtMs);
      await sampler.scrapeNow();
      const killedAtMs = performance.now() - t0;
      await set.kill(killed);
      sampler.forget(killed);
      c.log(`    replica ${killed} killed at ${(killedAtMs / 1000).toFixed(1)} s`);
      // Started again in the background: the hang below keeps its own time.
      const restarted = at(killedAtMs + f.downMs).then(async () => {
        await set.restart(killed);
        const ms = performance.now() - t0;
        c.log(`    replica ${killed} started again at ${(ms / 1000).toFixed(1)} s`);
        return ms;
      });
      await at(f.hangAtMs);
      // The hang hits a replica that is serving: one with nothing in flight shows no hang (its
      // engine runs nothing that could stall), and with few sessions affinity may leave one idle.
      // Between turns every replica may be idle for a moment: then the next 2 s are watched.
      let inFlight = await sampler.scrapeNow();
      for (let i = 0; i < 20 && !inFlight.some((n, r) => r !== killed && (n ?? 0) > 0); i++) {
        await sleep(100);
        inFlight = await sampler.scrapeNow();
      }
      const hung = busiest(inFlight, killed);
      const hungAtMs = performance.now() - t0;
      set.toggleHung(hung);
      // Poll the gateway's gauge often, so the figure is the gateway's, not the poll's.
      const limit = (c.hungSeconds + c.healthIntervalSeconds) * 1000 + 10_000;
      let ejectedAfterMs: number | undefined;
      while (performance.now() - t0 - hungAtMs < limit) {
        if ((await gatewaySeesHung(set.gatewayPort, set.urls[hung] as string)) === true) {
          ejectedAfterMs = performance.now() - t0 - hungAtMs;
          break;
        }
        await sleep(50);
      }
      c.log(`    replica ${hung} hung at ${(hungAtMs / 1000).toFixed(1)} s, ejected ${ejectedAfterMs === undefined ? 'never' : `after ${(ejectedAfterMs / 1000).toFixed(2)} s`}`);
      // A second longer hung, then resumed: the requests caught on it finish late, not failed.
      await sleep(1000);
      set.toggleHung(hung);
      const restartedAtMs = await restarted;
      faults = { killedReplica: killed, killedAtMs, restartedAtMs, hungReplica: hung, hungAtMs, ejectedAfterMs, resumedAtMs: performance.now() - t0 };
    }
    await load.done;
    const wallMs = performance.now() - t0;
    await sampler.stop();
    const gatewayCpuSeconds = sampleTree(set.gatewayPid).cpuSeconds - cpu0;
    const routes = await gatewayRoutes(set.gatewayPort);
    return { spec, wallMs, records: load.records, samples: sampler.samples, prefix: sampler.prefix, gatewayCpuSeconds, faults, sharedTokens: c.sharedTokens, routes };
  } finally {
    await set.close();
  }
}
