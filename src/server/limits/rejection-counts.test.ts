import { describe, expect, it } from 'vitest';
import type { Store } from '../../store/db.js';
import { createRejectionCounts } from './rejection-counts.js';

/** A store whose transactions settle after `ms`: refused while `refusing`, else taken (their row counts recorded). */
function slowStore(ms: number) {
  const state = { refusing: true, transactions: 0, taken: [] as number[] };
  const store = {
    dialect: 'sqlite',
    db: {
      transaction: () => ({
        execute: async (_fn: unknown) => {
          state.transactions++;
          await new Promise((r) => setTimeout(r, ms));
          if (state.refusing) throw new Error('store unavailable');
          state.taken.push(state.transactions);
        },
      }),
    },
  } as unknown as Pick<Store, 'db' | 'dialect'>;
  return { store, state };
}

describe('429 counts (rate_limited)', () => {
  it('one write at a time; a stop waits for the one under way, tries once more and says how many were not counted', async () => {
    const { store, state } = slowStore(50);
    const warned: string[] = [];
    const counts = createRejectionCounts(store, { warn: (_o: unknown, msg: string) => void warned.push(msg) } as never, () => Date.now());
    counts.add('k1', '2026-12-07');
    counts.add('k1', '2026-12-07');
    const first = counts.flush();
    // A flush while one runs is that one: no second transaction.
    expect(counts.flush()).toBe(first);
    expect(state.transactions).toBe(1);
    // The stop comes while the write is under way.
    await counts.close();
    expect(state.transactions).toBe(2);
    expect(warned).toEqual(['2 requests refused with 429 not counted in rate_limited: the store did not take them before the stop']);
  });

  it('counts the store refused are written by a later flush once it takes them', async () => {
    const { store, state } = slowStore(1);
    const warned: string[] = [];
    const counts = createRejectionCounts(store, { warn: (_o: unknown, msg: string) => void warned.push(msg) } as never, () => Date.now());
    counts.add('k1', '2026-12-07');
    await counts.flush();
    expect(warned).toEqual(['could not record 429 counts; 1 kept for the next try']);
    state.refusing = false;
    await counts.flush();
    expect(state.taken).toEqual([2]);
    // Nothing left: the next flush writes nothing.
    await counts.flush();
    expect(state.transactions).toBe(2);
    await counts.close();
    expect(warned).toHaveLength(1);
  });
});
