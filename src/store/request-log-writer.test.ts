import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './db.js';
import { listRequestLog } from './request-log.repo.js';
import { openRequestLogWriter } from './request-log-writer.js';
import { requestLogRowAt } from '../../test/helpers/request-log-rows.js';

const row = requestLogRowAt;

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe('request log writer', () => {
  it('holds at most `capacity` requests while the store refuses them, dropping and counting the oldest', async () => {
    store = await openStore({ kind: 'sqlite', path: ':memory:' });
    const drops: number[] = [];
    const errors: unknown[] = [];
    const w = openRequestLogWriter<number>(store, { toRow: row, days: 14, now: () => Date.parse('2026-12-04T12:00:00Z'), capacity: 3, flushMs: 3_600_000, onDropped: (n) => drops.push(n), onError: (e) => errors.push(e) });
    await sql`ALTER TABLE request_log RENAME TO request_log_away`.execute(store.db);
    for (let i = 1; i <= 5; i++) w.add(i);
    expect(w.stats()).toEqual({ queued: 3, dropped: 2, weight: 0 });
    await expect(w.flush()).rejects.toThrow(/request_log/);
    expect(errors).toHaveLength(1);
    w.add(6);
    expect(w.stats()).toEqual({ queued: 3, dropped: 3, weight: 0 });
    expect(drops).toEqual([1, 1, 1]);
    await sql`ALTER TABLE request_log_away RENAME TO request_log`.execute(store.db);
    await w.flush();
    expect(w.stats()).toEqual({ queued: 0, dropped: 3, weight: 0 });
    const { rows } = await listRequestLog(store.db, {}, 10, undefined);
    expect(rows.map((r) => r.duration_ms)).toEqual([6, 5, 4]);
    await w.close();
  });

  it('lets other work run between batches, and keeps a batch of bodies to a few MiB', async () => {
    store = await openStore({ kind: 'sqlite', path: ':memory:' });
    const body = 'b'.repeat(1024 * 1024);
    const events: string[] = [];
    const w = openRequestLogWriter<number>(store, {
      toRow: (n) => {
        if (n === 1) return row(1);
        events.push('body');
        return { ...row(2), request_body: body };
      },
      weight: (n) => (n === 1 ? 0 : 2 * body.length),
      days: 14, now: () => Date.now(), flushMs: 3_600_000,
    });
    // 999 plain rows, then eight rows holding 2 MiB of bodies each.
    for (let i = 0; i < 999; i++) w.add(1);
    for (let i = 0; i < 8; i++) w.add(2);
    let flushed = false;
    const tick = (): void => {
      events.push('tick');
      if (!flushed) setImmediate(tick);
    };
    setImmediate(tick);
    await w.flush();
    flushed = true;
    // Other work ran between batches; past the plain batches of 100 rows, rows with bodies go 4 MiB (two rows) a batch.
    expect(events.join(' ').replace(/( tick)+/g, ' tick').replace(/^(tick )+/, '')).toBe('body tick body body tick body body tick body body tick body');
    const n = await store.db.selectFrom('request_log').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(1007);
    await w.close();
  });

  it('writes a full batch at once and the rest on flush, in order', async () => {
    store = await openStore({ kind: 'sqlite', path: ':memory:' });
    const w = openRequestLogWriter<number>(store, { toRow: (n) => row(n % 60), days: 14, now: () => Date.now(), flushMs: 3_600_000 });
    for (let i = 0; i < 1200; i++) w.add(i);
    await w.flush();
    expect(w.stats().queued).toBe(0);
    const n = await store.db.selectFrom('request_log').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(1200);
    await w.close();
  });
});
