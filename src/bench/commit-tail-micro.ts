/**
 * Micro-benchmark of the usage commit's tail on SQLite: 20,000 lone commits (the gateway's own
 * recorder, one key, a SQLite file in WAL mode), once with SQLite's own checkpoints (inside the
 * commit that crosses 1,000 WAL pages) and once with them in the background worker as `serve`
 * runs them. Wall time per commit, since a checkpoint's cost is the time it holds the loop.
 * Run: `npx tsx src/bench/commit-tail-micro.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/db.js';
import { sqliteUsageRecorder } from '../store/usage.repo.js';

const N = 20_000;

async function run(background: boolean): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'worv-commit-tail-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'proxy.db') }, { backgroundCheckpoints: background });
  const sqlite = store.sqlite!;
  sqlite.prepare("INSERT INTO api_keys (id, name, key_hash, key_prefix, created_at) VALUES ('k', 'bench', 'h', 'p', '2026-01-01T00:00:00.000Z')").run();
  const record = sqliteUsageRecorder(sqlite);
  const start = Date.parse('2026-12-04T00:00:00.000Z');
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    record([{ keyId: 'k', day: '2026-12-04', requests: 1, promptTokens: 12, completionTokens: 16, usedAt: new Date(start + i).toISOString() }]);
    times.push((performance.now() - t0) * 1000);
  }
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  times.sort((a, b) => a - b);
  const q = (p: number): string => (times[Math.floor(p * (times.length - 1))] as number).toFixed(0);
  const over = times.filter((t) => t > 1000).length;
  return `${background ? 'background worker ' : "SQLite's default    "} p50 ${q(0.5)} µs, p99 ${q(0.99)} µs, p99.9 ${q(0.999)} µs, max ${q(1)} µs, commits over 1 ms: ${over}`;
}

process.stdout.write(`usage commits on SQLite, wall time of ${N} lone commits:\n`);
for (const background of [false, true, false, true]) process.stdout.write(`  ${await run(background)}\n`);
