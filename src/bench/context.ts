/**
 * What every scenario gets: the running fleet, the options, the CPU layout, where to put
 * files, the requests it sends, and a progress logger.
 */
import type { CpuLayout } from './cpu-layout.js';
import type { Fleet } from './fleet.js';
import type { LoadResult, PostLoad } from './load/post-load.js';
import type { BenchOptions } from './options.js';
import type { Placement } from './processes.js';
import type { Target, TargetName } from './targets.js';

export interface BenchContext {
  readonly fleet: Fleet;
  readonly options: BenchOptions;
  readonly layout: CpuLayout;
  /** How each role's processes are placed (cores, priority). */
  readonly placement: Readonly<Record<'proxy' | 'backend' | 'load', Placement>>;
  readonly runDir: string;
  /** Targets that answered the smoke request; scenarios skip the others. */
  readonly ready: ReadonlySet<TargetName>;
  /** Runs closed-loop non-streaming load (wrk or autocannon, in its own process). */
  readonly postLoad: (load: PostLoad, target: Target) => Promise<LoadResult>;
  readonly log: (line: string) => void;
  /**
   * Per proxy, the idle resident memory of a fresh process after one stream: the baseline of
   * memory per open stream (set by the streams case, which restarts each proxy first).
   */
  readonly idleRss: Map<TargetName, number>;
}

/** The model every request names (the simulator serves it). */
export function chatBody(model: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model, messages: [{ role: 'user', content: 'Write a short greeting for the release notes.' }], max_tokens: 256, ...extra };
}
