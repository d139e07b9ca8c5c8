/**
 * Micro-benchmark of the request log's cost per request on one core, with the gateway's own
 * code: what a request pays when it ends (the observer's queue append), and what the batch
 * writer pays later per row (building the row, one prepared insert in the writer's batch
 * transactions on a SQLite file in WAL mode, as in production). CPU time from
 * process.cpuUsage, best of five rounds of 20,000 requests.
 * Run: `npx tsx src/bench/request-log-micro.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../core/config.js';
import type { RequestOutcome } from '../data-plane/context.js';
import { requestLogRow, type LoggedRequest } from '../server/request-log-row.js';
import { openStore } from '../store/db.js';
import { openRequestLogWriter } from '../store/request-log-writer.js';

const N = 20_000;
const ROUNDS = 5;

/** A finished streamed chat request as a Claude Code client sends it. */
function outcome(i: number): RequestOutcome {
  return {
    requestId: 'req_0miw3k2r19f3a1c2b', endpoint: 'chat', method: 'POST', path: '/v1/chat/completions', status: 200, durationMs: 812.4 + (i % 7), ttfbMs: 96.2, stream: true, keyId: 'k-1', model: 'GLM-5.1-FP8',
    usage: { promptTokens: 1840, completionTokens: 310, cachedTokens: 1536, reasoningTokens: 120 }, usageEstimated: false, result: 'complete',
    caller: { id: 'k-1', name: 'laptop' }, requestedModel: 'claude-sonnet-4-6', error: undefined, errorMessage: undefined, limit: undefined, cause: undefined, backend: 'http://10.0.0.7:8000', route: 'session', session: undefined, queued: undefined,
    effects: [{ kind: 'model-aliased', from: 'claude-sonnet-4-6', to: 'GLM-5.1-FP8' }, { kind: 'max-tokens-capped', field: 'max_tokens', requested: 64_000, sent: 16_384 }],
    headers: { host: 'gw', 'user-agent': 'claude-cli/2.0.14 (external, cli)', 'x-claude-code-session-id': `s-${i % 50}`, 'content-type': 'application/json' },
    peer: '10.1.2.3', bodies: undefined,
  };
}

function cpuUs(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t0);
  return d.user + d.system;
}

async function cpuUsAsync(fn: () => Promise<void>): Promise<number> {
  const t0 = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(t0);
  return d.user + d.system;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'worv-rlmicro-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'proxy.db') });
  for (const i of (process.env.DROP ?? '').split(',').filter(Boolean)) store.sqlite!.exec(`DROP INDEX ${i}`);
  const config = loadConfig({ TRUST_PROXY: 'loopback' });
  const outcomes = Array.from({ length: N }, (_, i) => outcome(i));
  const now = Date.now();
  const writer = openRequestLogWriter<LoggedRequest>(store, { toRow: requestLogRow(config), days: 14, now: () => now, capacity: N, flushMs: 3_600_000 });
  let append = Infinity;
  let write = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    append = Math.min(append, cpuUs(() => {
      for (const o of outcomes) writer.add({ outcome: o, endedAt: now });
    }) / N);
    write = Math.min(write, (await cpuUsAsync(() => writer.flush())) / N);
  }
  await writer.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    `request log, CPU per request (best of ${ROUNDS} rounds of ${N}):\n` +
      `  at the request's end (queue append): ${append.toFixed(2)} µs\n` +
      `  in the batch writer (row + SQLite insert): ${write.toFixed(2)} µs\n` +
      `  total: ${(append + write).toFixed(2)} µs\n`,
  );
}

await main();
