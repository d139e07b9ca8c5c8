/**
 * Everything one benchmark run measured, per case and repetition: the shape of the JSON file
 * (bench-results/*.json) and the input of the table and the target checks.
 */
import type { BodyRep } from './scenarios/big-body.js';
import type { PostRep } from './scenarios/post-closed-loop.js';
import type { StreamRep } from './scenarios/streams.js';

export interface CaseResults {
  /** Cases 1 and 6: 64 connections. */
  post64?: readonly PostRep[];
  /** Case 2: one connection. */
  post1?: readonly PostRep[];
  /** Cases 3 and 5. */
  streams?: readonly StreamRep[];
  /** Case 3 at light load, where no core saturates: the proxies' own CPU and latency per stream. */
  streamsLight?: readonly StreamRep[];
  /** Case 3, the hold test at many streams (gateway only). */
  manyStreams?: readonly StreamRep[];
  /** Case 4. */
  body?: readonly BodyRep[];
}
