/**
 * Before/after readings of the measured processes: the proxy under test (CPU time and
 * resident memory of its process tree) and the simulator, so a window's cost can be divided
 * by the work done in it.
 */
import { sampleTree, type TreeSample } from './proc-stat.js';
import type { Fleet } from './fleet.js';
import type { Target } from './targets.js';

export interface Reading {
  readonly at: number;
  readonly proxy: TreeSample | undefined;
  readonly sim: TreeSample;
}

/** Reads the target's process tree (if it has one) and the simulator's. */
export function read(fleet: Fleet, target: Target): Reading {
  return {
    at: performance.now(),
    proxy: target.proc === undefined ? undefined : sampleTree(target.proc.pid),
    sim: sampleTree(fleet.sim.pid),
  };
}

/** CPU seconds the proxy used between two readings (NaN without a proxy). */
export function proxyCpu(a: Reading, b: Reading): number {
  return a.proxy === undefined || b.proxy === undefined ? NaN : b.proxy.cpuSeconds - a.proxy.cpuSeconds;
}

/** CPU seconds the simulator used between two readings. */
export function simCpu(a: Reading, b: Reading): number {
  return b.sim.cpuSeconds - a.sim.cpuSeconds;
}
