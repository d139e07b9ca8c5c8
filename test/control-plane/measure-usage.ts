/**
 * Measures GET /api/usage on a year of buckets for 1,000 keys (365,000 usage_daily rows), on
 * SQLite and on Postgres. Not part of the test suite (timings are never asserted); run with
 *   npx tsx test/control-plane/measure-usage.ts
 */
import { performance } from 'node:perf_hooks';
import { utcDay } from '../../src/core/clock.js';
import { fixedClock } from '../helpers/clock.js';
import { usageByDay, usageByKey } from '../../src/store/usage-report.repo.js';
import { queryUsage } from '../../src/store/usage.repo.js';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import { postgresStore, sqliteFileStore, startAdminApp, type StoreSpec } from './admin-app.js';

const KEYS = 1000;
const DAYS = 365;
const END = Date.parse('2026-12-31T12:00:00Z');

async function seed(spec: StoreSpec): Promise<void> {
  const store = await spec.open();
  try {
    const keys = Array.from({ length: KEYS }, (_, i) => ({
      id: `k${String(i).padStart(4, '0')}`,
      name: `key ${i}`,
      key_hash: `hash-${i}`,
      key_prefix: `wp-${i}`,
      is_active: 1,
      created_at: '2026-01-01T00:00:00.000Z',
    }));
    await store.db.insertInto('api_keys').values(keys).execute();
    const days = Array.from({ length: DAYS }, (_, d) => utcDay(END - d * 86_400_000));
    let batch: Array<{ key_id: string; day: string; requests: number; prompt_tokens: number; completion_tokens: number }> = [];
    for (const day of days) {
      for (const k of keys) {
        batch.push({ key_id: k.id, day, requests: 10, prompt_tokens: 5000, completion_tokens: 700 });
        if (batch.length === 2000) {
          await store.db.insertInto('usage_daily').values(batch).execute();
          batch = [];
        }
      }
    }
    if (batch.length > 0) await store.db.insertInto('usage_daily').values(batch).execute();
  } finally {
    await store.close();
  }
}

async function time<T>(label: string, fn: () => Promise<T>, runs = 3): Promise<void> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  process.stdout.write(`  ${label.padEnd(58)} median ${ms.sort((a, b) => a - b)[Math.floor(runs / 2)]?.toFixed(1)} ms\n`);
}

async function measure(name: string, spec: StoreSpec): Promise<void> {
  const t = performance.now();
  await seed(spec);
  process.stdout.write(`${name}: seeded ${KEYS * DAYS} rows in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  const app = await startAdminApp({ storeSpec: spec, clock: fixedClock(END) });
  try {
    const s = await app.login();
    const get = async (q: string) => {
      const r = await app.request('GET', `/api/usage${q}`, { cookie: s.cookie });
      if (r.status !== 200) throw new Error(`${r.status} ${r.text.slice(0, 200)}`);
      return r.text.length;
    };
    const year = '?from=2026-01-01&to=2026-12-31';
    await time('store query, 30 days, all keys (30,000 rows)', () => queryUsage(app.store.db, { from: '2026-12-02', to: '2026-12-31' }));
    await time('store query, 1 year, one key (365 rows)', () => queryUsage(app.store.db, { from: '2026-01-01', to: '2026-12-31', keyId: 'k0500' }));
    await time('SQL sums per day + per key, 1 year, all keys', () =>
      Promise.all([usageByDay(app.store.db, { from: '2026-01-01', to: '2026-12-31' }), usageByKey(app.store.db, { from: '2026-01-01', to: '2026-12-31' })]),
    );
    await time('store query, 1 year, all keys (365,000 rows)', () => queryUsage(app.store.db, { from: '2026-01-01', to: '2026-12-31' }));
    await time('HTTP GET /api/usage (default 30 days, all keys)', () => get(''));
    await time('HTTP GET /api/usage, 1 year, key_id=k0500', () => get(`${year}&key_id=k0500`));
    await time('HTTP GET /api/usage, 1 year, all keys, detail=none', () => get(`${year}&detail=none`));
    await time('HTTP GET /api/usage, 1 year, all keys (365,000 rows)', () => get(year));
    process.stdout.write(`  response size, 1 year, all keys: ${((await get(year)) / 1e6).toFixed(1)} MB\n`);
  } finally {
    await app.close();
    await spec.dispose();
  }
}

await measure('SQLite', sqliteFileStore());
const pgSkip = await postgresUnavailableReason();
if (pgSkip === undefined) await measure('Postgres', postgresStore());
else process.stdout.write(`Postgres skipped: ${pgSkip}\n`);
