// A process that keeps a live set and churns state that outlives young collections (as requests
// in flight do), then prints the heap's peak in MiB and the full (major) collections it took.
// With `bound`, it first applies the gateway's heap growth bound, as `serve` does.
import { constants, PerformanceObserver, type NodeGCPerformanceDetail, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { boundHeapGrowth } from '../../src/server/heap-growth.js';

const outcome = process.argv[2] === 'bound' ? boundHeapGrowth() : 'default';
const MIB = 1024 * 1024;
let majors = 0;
const gcs = new PerformanceObserver((list) => {
  for (const e of list.getEntries() as (PerformanceEntry & { detail?: NodeGCPerformanceDetail })[]) {
    if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
  }
});
gcs.observe({ entryTypes: ['gc'] });
const live: number[][] = [];
for (let i = 0; i < 4000; i++) live.push(new Array<number>(1024).fill(i)); // about 32 MiB
const inFlight: number[][] = new Array(20_000);
let peak = 0;
for (let i = 0; i < 600_000; i++) {
  inFlight[i % inFlight.length] = new Array<number>(256).fill(i); // about 2 KiB each, kept for 20,000 rounds
  if (i % 500 === 0) {
    peak = Math.max(peak, getHeapStatistics().used_heap_size);
    // Back to the event loop now and then, as a server is: V8 finishes its marking in tasks.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
await new Promise((resolve) => setImmediate(resolve)); // the last entries reach the observer
gcs.disconnect();
process.stdout.write(`${JSON.stringify({ outcome, peakMiB: peak / MIB, majors, kept: live.length + inFlight.length })}\n`);
