/**
 * Case 3's hold test: as many concurrent streams as asked (10,000 by default) through the
 * gateway, opened gradually, held through a measured window with no error. A proxy needs two
 * file descriptors per stream (client and upstream side), so the count is capped by the
 * open-files limit, and the report says so when it is.
 */
import type { BenchContext } from '../context.js';
import { read } from '../measure.js';
import { measureStreams, type StreamRep } from './streams.js';

/**
 * The hold test's streams: 20 tokens a second apart (≈ 22 chunks over ≈ 20 s). Holding many
 * streams is the point, not chunk throughput: 10,000 of case 3's streams would be 500,000
 * chunks a second, which no two-core machine carries.
 */
const HOLD_STREAM_HEADERS: Readonly<Record<string, string>> = {
  'x-sim-tokens': '20',
  'x-sim-reasoning': 'off',
  'x-sim-itl-ms': '1000',
  'x-sim-han': '0.1',
};

/** Streams a process with `nofile` open files can proxy: two sockets each, plus headroom. */
function streamsWithinLimit(nofile: number): number {
  return Math.max(0, Math.floor((nofile - 200) / 2));
}

export async function runManyStreams(ctx: BenchContext, wanted: number, nofile: number): Promise<{ rows: StreamRep[]; notes: string[] }> {
  const t = ctx.fleet.targets.get('gateway');
  if (t === undefined) return { rows: [], notes: [] };
  const notes: string[] = [];
  const cap = streamsWithinLimit(nofile);
  const users = Math.min(wanted, cap);
  if (users < wanted) {
    notes.push(`hold test ran ${users} streams, not ${wanted}: the open-files hard limit here is ${nofile} and a proxy holds two sockets per stream (raise it with \`ulimit -Hn\` as root to run more)`);
  }
  ctx.log(`case 3: hold test, ${users} concurrent streams through the gateway`);
  const rampMs = users * 2; // 500 new connections a second
  const row = await measureStreams(ctx, t, 0, {
    users,
    streamHeaders: HOLD_STREAM_HEADERS,
    rampMs,
    settleMs: 2000,
    // Long enough for every stream (≈ 20 s) to end inside it at least once.
    windowMs: Math.max(ctx.options.durationS, 22) * 1000,
    readyTimeoutMs: rampMs + 60_000,
  }, nofile);
  // Does the memory come back? Idle RSS a few seconds after every stream closed, for the notes.
  await new Promise((r) => setTimeout(r, 4000));
  const after = read(ctx.fleet, t).proxy?.rssBytes ?? NaN;
  notes.push(`gateway RSS: ${(row.rssBeforeMb).toFixed(0)} MB idle before the streams cases, ${row.rssPeakMb.toFixed(0)} MB peak with ${users} streams, ${(after / 2 ** 20).toFixed(0)} MB five seconds after they closed`);
  ctx.log(`  ${users} streams: ${row.allOpened ? 'all opened' : 'NOT all opened'}, open ${row.openMedian}, ${row.completed} completed, ${row.errors} errors, ${row.kbPerStream.toFixed(1)} KB/stream`);
  return { rows: [row], notes };
}
