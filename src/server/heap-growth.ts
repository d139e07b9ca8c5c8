/**
 * How far V8 lets the old generation grow between full collections. On a machine with memory to
 * spare V8 allows up to four times what survived the last full collection. The gateway's live set
 * is small (tens of MiB) and what it promotes is request state that dies soon after, so under
 * steady load the heap's peaks reach about four times the live set, and the process keeps the
 * pages it grew into: RSS steps up once and stays there (figures in docs/benchmark.md, "The
 * heap's growth bounded"). A factor of 2 keeps the peaks at about twice the live set. Each full
 * collection pauses the event loop and marks on a second thread, which on a busy core takes turns
 * with the requests: a factor of 1.5 made them come twice as often and lengthened the latency
 * tail under load, for RSS only somewhat lower.
 *
 * V8 reads this flag each time it sizes the heap after a collection, so setting it at start-up
 * takes effect. An operator's own `--heap-growing-percent` on node's command line wins.
 */
import { setFlagsFromString } from 'node:v8';

const HEAP_GROWING_PERCENT = 100;

const OWN_FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

/** Bounds the heap's growth unless node was started with its own setting; says which. */
export function boundHeapGrowth(execArgv: readonly string[] = process.execArgv): 'bounded' | 'operator' {
  if (execArgv.some((a) => OWN_FLAG.test(a))) return 'operator';
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return 'bounded';
}
