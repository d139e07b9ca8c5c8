/**
 * V8 allocates an object straight into the old generation ("pretenures" it) when the object
 * literal that makes it had nearly all of its objects still alive at a young collection. A gateway
 * meets that once, at the start of its first load: the first requests' state all waits together
 * for the backend (or for code still being compiled) and survives together. The decision is not
 * taken back, so from then on each short request's state is born in the old generation, which then
 * fills several times faster: full collections every second or two, each pausing the event loop
 * for several milliseconds. Measured beside the same build without the decision (fresh processes,
 * 64 connections, docs/benchmark.md "Pretenuring off"): 144–159 KB promoted per young collection
 * against 20 KB, four full collections in 6 s against none from the load, and a p99 several
 * milliseconds higher. State that really lives long (a stream's) is still promoted after it has
 * survived two young collections.
 *
 * V8 reads the flag each time it digests the feedback of a young collection, so setting it at
 * start-up takes effect. An operator's own `--allocation-site-pretenuring` or
 * `--no-allocation-site-pretenuring` on node's command line wins.
 */
import { setFlagsFromString } from 'node:v8';

const OWN_FLAG = /^--(no-)?allocation[-_]site[-_]pretenuring(=|$)/;

/** Turns allocation-site pretenuring off unless node was started with its own setting; says which. */
export function stopPretenuring(execArgv: readonly string[] = process.execArgv): 'stopped' | 'operator' {
  if (execArgv.some((a) => OWN_FLAG.test(a))) return 'operator';
  setFlagsFromString('--no-allocation-site-pretenuring');
  return 'stopped';
}
