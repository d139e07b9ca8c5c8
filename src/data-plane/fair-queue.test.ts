import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GatewayError } from '../core/errors.js';
import type { UsageCounts } from './context.js';
import { FairQueue, fleetQueue, type QueueEntry } from './fair-queue.js';

const ZERO: UsageCounts = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 };

/** An exchange as the queue sees it: `finish()` is the request being over. */
class FakeExchange {
  #fns: Array<(u: UsageCounts) => void | Promise<void>> = [];
  over = false;
  onFinish(fn: (u: UsageCounts) => void | Promise<void>): void {
    if (this.over) void fn(ZERO);
    else this.#fns.push(fn);
  }
  finish(): void {
    this.over = true;
    for (const fn of this.#fns.splice(0)) void fn(ZERO);
  }
}

const entry = (keyId: string, over: Partial<QueueEntry> = {}): QueueEntry => ({ model: 'm', keyId, priority: null, sequences: 1, ...over });

/** Enters a request; records its key in `started` when it may go. */
function enter(q: FairQueue, e: QueueEntry, started: string[], tag = e.keyId): { x: FakeExchange; result: Promise<unknown> } {
  const x = new FakeExchange();
  const waited = q.enter(e, x);
  if (waited === undefined) {
    started.push(tag);
    return { x, result: Promise.resolve(undefined) };
  }
  return {
    x,
    result: waited.then(
      (ms) => {
        if (!x.over) started.push(tag);
        return ms;
      },
      (err: GatewayError) => err,
    ),
  };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('FairQueue', () => {
  it('lets requests go at once, without a promise, while the model has free slots', () => {
    const q = new FairQueue({ capacity: () => 2, timeoutMs: 1000 });
    const x = new FakeExchange();
    expect(q.enter(entry('a'), x)).toBeUndefined();
    expect(q.enter(entry('a'), new FakeExchange())).toBeUndefined();
    expect(q.models()).toEqual([{ model: 'm', waiting: 0, running: 2, capacity: 2 }]);
    x.finish();
    expect(q.models()).toEqual([{ model: 'm', waiting: 0, running: 1, capacity: 2 }]);
  });

  it('counts nothing for a model without slots', () => {
    const q = new FairQueue({ capacity: (model) => (model === 'm' ? 1 : 0), timeoutMs: 1000 });
    for (let i = 0; i < 5; i++) expect(q.enter(entry('a', { model: 'other' }), new FakeExchange())).toBeUndefined();
    expect(q.models()).toEqual([]);
  });

  it('gives a freed slot to the waiting key that holds the fewest, not to the one that waited longest', async () => {
    const q = new FairQueue({ capacity: () => 2, timeoutMs: 60_000 });
    const started: string[] = [];
    const a1 = enter(q, entry('a'), started, 'a1');
    const a2 = enter(q, entry('a'), started, 'a2');
    const a3 = enter(q, entry('a'), started, 'a3');
    const a4 = enter(q, entry('a'), started, 'a4');
    const b1 = enter(q, entry('b'), started, 'b1');
    const c1 = enter(q, entry('c'), started, 'c1');
    expect(started).toEqual(['a1', 'a2']);
    expect(q.models()[0]).toMatchObject({ waiting: 4, running: 2 });
    a1.x.finish();
    await flush();
    // a holds 1, b and c none: b, which waited longer than c.
    expect(started).toEqual(['a1', 'a2', 'b1']);
    a2.x.finish();
    await flush();
    // a and c hold none now: a's next, which waited longer.
    expect(started).toEqual(['a1', 'a2', 'b1', 'a3']);
    b1.x.finish();
    await flush();
    // a holds 1, c none.
    expect(started).toEqual(['a1', 'a2', 'b1', 'a3', 'c1']);
    c1.x.finish();
    await flush();
    expect(started).toEqual(['a1', 'a2', 'b1', 'a3', 'c1', 'a4']);
    for (const r of [a3, a4]) r.x.finish();
    await Promise.all([a3.result, a4.result]);
    expect(q.models()).toEqual([{ model: 'm', waiting: 0, running: 0, capacity: 2 }]);
  });

  it('weighs keys by priority: high takes four slots to a low key one', async () => {
    const q = new FairQueue({ capacity: () => 5, timeoutMs: 60_000 });
    const started: string[] = [];
    const fill = Array.from({ length: 5 }, () => enter(q, entry('filler'), started, 'f'));
    const high = Array.from({ length: 6 }, () => enter(q, entry('h', { priority: 'high' }), started, 'h'));
    const low = Array.from({ length: 6 }, () => enter(q, entry('l', { priority: 'low' }), started, 'l'));
    started.length = 0;
    for (const f of fill) f.x.finish();
    await flush();
    // Shares held / weight: h 0/4, 1/4, 2/4, 3/4, 4/4; l 0/1, 1/1. Ties go to the longer wait (h first).
    expect(started.sort()).toEqual(['h', 'h', 'h', 'h', 'l']);
    for (const r of [...high, ...low]) r.x.finish();
  });

  it('counts sequences: a request for 3 waits until 3 slots are free, and weighs 3 in its key\'s share', async () => {
    const q = new FairQueue({ capacity: () => 4, timeoutMs: 60_000 });
    const started: string[] = [];
    const a = enter(q, entry('a', { sequences: 2 }), started, 'a');
    const b = enter(q, entry('b', { sequences: 3 }), started, 'b');
    const c = enter(q, entry('c', { sequences: 1 }), started, 'c');
    expect(started).toEqual(['a']);
    // 2 free: neither b (3) nor c, behind b in arrival, has started; b would hold 3, c 1.
    expect(q.models()[0]).toMatchObject({ waiting: 2, running: 2 });
    a.x.finish();
    await flush();
    expect(started).toEqual(['a', 'c', 'b']);
    expect(q.models()[0]).toMatchObject({ running: 4 });
    b.x.finish();
    c.x.finish();
  });

  it('lets a request for more sequences than the whole capacity go when nothing runs', async () => {
    const q = new FairQueue({ capacity: () => 2, timeoutMs: 60_000 });
    const started: string[] = [];
    const a = enter(q, entry('a'), started, 'a');
    const big = enter(q, entry('b', { sequences: 8 }), started, 'big');
    expect(started).toEqual(['a']);
    a.x.finish();
    await flush();
    expect(started).toEqual(['a', 'big']);
    expect(q.models()[0]).toMatchObject({ running: 8 });
    big.x.finish();
  });

  it('takes a request whose client left out of the queue, so the slot goes to the next one', async () => {
    const q = new FairQueue({ capacity: () => 1, timeoutMs: 60_000 });
    const started: string[] = [];
    const a = enter(q, entry('a'), started, 'a');
    const gone = enter(q, entry('b'), started, 'gone');
    const c = enter(q, entry('c'), started, 'c');
    gone.x.finish();
    expect(await gone.result).toEqual(expect.any(Number));
    expect(q.models()[0]).toMatchObject({ waiting: 1, running: 1 });
    a.x.finish();
    await flush();
    expect(started).toEqual(['a', 'c']);
    c.x.finish();
    expect(q.models()[0]).toMatchObject({ waiting: 0, running: 0 });
  });

  it('takes no slot for an exchange that is already over', () => {
    const q = new FairQueue({ capacity: () => 1, timeoutMs: 60_000 });
    const x = new FakeExchange();
    x.over = true;
    expect(q.enter(entry('a'), x)).toBeUndefined();
    expect(q.models()[0]).toMatchObject({ running: 0 });
  });

  it('answers 503 overloaded with Retry-After when the wait reaches the timeout, and frees the place', async () => {
    vi.useFakeTimers();
    const q = new FairQueue({ capacity: () => 1, timeoutMs: 2500 });
    const started: string[] = [];
    const a = enter(q, entry('a'), started, 'a');
    const late = enter(q, entry('b'), started, 'late');
    await vi.advanceTimersByTimeAsync(2499);
    expect(q.models()[0]).toMatchObject({ waiting: 1 });
    await vi.advanceTimersByTimeAsync(1);
    const err = (await late.result) as GatewayError;
    expect(err.kind).toBe('overloaded');
    expect(err.status).toBe(503);
    expect(err.message).toBe("Model m is busy: this request waited 2.5 s for a free slot in the gateway's queue. Retry later.");
    expect(err.headers).toEqual({ 'retry-after': '5' });
    expect(q.models()[0]).toMatchObject({ waiting: 0, running: 1 });
    // Its exchange ending later changes nothing.
    late.x.finish();
    a.x.finish();
    expect(q.models()[0]).toMatchObject({ waiting: 0, running: 0 });
  });

  it('starts those waiting when slots come without a release (a replica back in use), at the next request', async () => {
    let capacity = 1;
    const q = new FairQueue({ capacity: () => capacity, timeoutMs: 60_000 });
    const started: string[] = [];
    const a = enter(q, entry('a'), started, 'a');
    const b = enter(q, entry('b'), started, 'b');
    capacity = 3;
    const c = enter(q, entry('c'), started, 'c');
    await flush();
    expect(started.sort()).toEqual(['a', 'b', 'c']);
    expect(q.models()[0]).toMatchObject({ waiting: 0, running: 3 });
    for (const r of [a, b, c]) r.x.finish();
  });

  it('holds nothing back while the model has no replica in use: those waiting go on', async () => {
    let capacity = 1;
    const q = new FairQueue({ capacity: () => capacity, timeoutMs: 60_000 });
    const started: string[] = [];
    const a = enter(q, entry('a'), started, 'a');
    const b = enter(q, entry('b'), started, 'b');
    capacity = 0;
    const c = enter(q, entry('c'), started, 'c');
    a.x.finish();
    await flush();
    expect(started).toEqual(['a', 'c', 'b']);
    for (const r of [b, c]) r.x.finish();
    expect(q.models()[0]).toMatchObject({ waiting: 0, running: 0 });
  });

  it('resolves with the time waited', async () => {
    let now = 1000;
    const q = new FairQueue({ capacity: () => 1, timeoutMs: 60_000, now: () => now });
    const a = new FakeExchange();
    expect(q.enter(entry('a'), a)).toBeUndefined();
    const waited = q.enter(entry('b'), new FakeExchange());
    now = 1750;
    a.finish();
    expect(await waited).toBe(750);
  });
});

describe('fleetQueue', () => {
  it('is off when neither PROXY_REPLICA_SLOTS nor a model of the file sets slots', () => {
    expect(fleetQueue({ slots: 0, file: new Map([['m', { affinityHold: 2 }]]), timeoutMs: 1000, replicas: () => 2 })).toBeUndefined();
  });

  it("a model's capacity is its slots (the file's first) times its replicas in use", () => {
    const replicas: Record<string, number> = { a: 3, b: 2, c: 4 };
    const q = fleetQueue({ slots: 4, file: new Map([['b', { replicaSlots: 8 }], ['c', { replicaSlots: 0 }]]), timeoutMs: 1000, replicas: (m) => replicas[m] ?? 0 });
    expect(q).toBeDefined();
    for (const m of ['a', 'b', 'c', 'unlisted']) expect(q!.enter(entry('k', { model: m }), new FakeExchange())).toBeUndefined();
    expect(q!.models()).toEqual([
      { model: 'a', waiting: 0, running: 1, capacity: 12 },
      { model: 'b', waiting: 0, running: 1, capacity: 16 },
    ]);
  });

  it('is on for the models the file gives slots when PROXY_REPLICA_SLOTS is 0', () => {
    const q = fleetQueue({ slots: 0, file: new Map([['b', { replicaSlots: 2 }]]), timeoutMs: 1000, replicas: () => 1 });
    expect(q!.enter(entry('k', { model: 'a' }), new FakeExchange())).toBeUndefined();
    expect(q!.enter(entry('k', { model: 'b' }), new FakeExchange())).toBeUndefined();
    expect(q!.models().map((m) => m.model)).toEqual(['b']);
  });
});
