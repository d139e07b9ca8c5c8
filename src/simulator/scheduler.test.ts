import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler } from './scheduler.js';

let s: Scheduler | undefined;
afterEach(() => s?.cancelAll());

describe('Scheduler', () => {
  it('runs callbacks of one delay in order, and zero delays on setImmediate', async () => {
    s = new Scheduler();
    const order: string[] = [];
    await new Promise<void>((resolve) => {
      s?.after(5, () => order.push('a'));
      s?.after(5, () => order.push('b'));
      s?.after(0, () => order.push('now'));
      s?.after(5, () => {
        order.push('c');
        s?.after(5, () => {
          order.push('d');
          resolve();
        });
      });
    });
    expect(order).toEqual(['now', 'a', 'b', 'c', 'd']);
  });

  it('waits at least the delay', async () => {
    s = new Scheduler();
    const start = performance.now();
    const elapsed = await new Promise<number>((resolve) => s?.after(20, () => resolve(performance.now() - start)));
    expect(elapsed).toBeGreaterThanOrEqual(18);
  });

  it('cancelAll drops pending callbacks', async () => {
    s = new Scheduler();
    let ran = false;
    s.after(5, () => { ran = true; });
    s.cancelAll();
    await new Promise<void>((resolve) => s?.after(10, resolve));
    expect(ran).toBe(false);
  });
});
