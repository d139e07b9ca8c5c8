/**
 * Runs the fleet benchmark's replicas and gateway inside the test process (simulators and the
 * gateway from the sources, see fleet-stack.ts) instead of as CLI processes: the same runs,
 * without a process start per replica.
 */
import type { LaunchReplicas, ReplicaSettings } from '../../src/bench/replica-set.js';
import type { SimulatorOptions } from '../../src/simulator/index.js';
import { startFleetStack } from './fleet-stack.js';

export function inProcessLauncher(s: ReplicaSettings): LaunchReplicas {
  const sim: SimulatorOptions = {
    model: s.model,
    maxModelLen: 1_000_000,
    prefillMsPerKTokens: s.prefillMsPerKTok,
    ttftMs: s.ttftMs,
    tokens: s.tokens,
    itlMs: s.itlMs,
    reasoning: false,
    toolCalls: 0,
    promptTokensDetails: true,
    record: false,
  };
  return async ({ replicas, env, prefixCacheBlocks, maxNumSeqs }) => {
    const f = await startFleetStack({ replicas: Array.from({ length: replicas }, () => ({ ...sim, prefixCacheBlocks, maxNumSeqs })), env: { MAX_CONTEXT_TOKENS: '1000000', ...env } });
    return {
      urls: f.sims.map((x) => x.url),
      gatewayPort: Number(new URL(f.gatewayUrl).port),
      gatewayPid: process.pid,
      authorization: `Bearer ${f.key}`,
      kill: (i) => f.kill(i),
      restart: (i) => f.revive(i),
      toggleHung(i) {
        const x = f.sims[i];
        x?.setHung(!x.hung);
      },
      close: () => f.close(),
    };
  };
}
