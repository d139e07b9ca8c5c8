import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GatewayError } from '../core/errors.js';
import type { UsageCounts } from './context.js';
import { FairQueue, fleetQueue, modelSlots, type QueueEntry } from './fair-queue.js';

const ZERO: UsageCounts = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 };

/** An exchange as the queue sees it: `finish()` is the request being over. */
class FakeExchange {
  #fns: Array<(u: UsageCounts) => void | Promise<void>> = [];
  over = false;
  queuedMs: number | undefined;
  noteQueued(ms: number, model: string): void {
    expect(model).toBe('m');
    expect(this.queuedMs).toBeUndefined();
    this.queuedMs = ms;
  }
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
  const waited = q.enter(e, x)?.wait;
  if (waited === undefined) {
    started.push(tag);
    return { x, result: Promise.resolve(undefined) };
  }
  return {
    x,
    result: waited.then(
      () => {
        if (!x.over) started.push(tag);
        return x.queuedMs;
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
    const q = new FairQueue({ replicas: () => 1, slots: () => 2, timeoutMs: 1000 });
    const x = new FakeExchange();
    expect(q.enter(entry('a'), x)?.wait).toBeUndefined();
    expect(q.enter(entry('a'), new FakeExchange())?.wait).toBeUndefined();
    expect(q.states()).toEqual([{ model: 'm', waiting: 0, running: 2, capacity: 2 }]);
    x.finish();
    expect(q.states()).toEqual([{ model: 'm', waiting: 0, running: 1, capacity: 2 }]);
  });

  it('counts nothing for a model without slots', () => {
    const q = new FairQueue({ replicas: () => 1, slots: (model: string) => (model === 'm' ? 1 : 0), timeoutMs: 1000 });
    for (let i = 0; i < 5; i++) expect(q.enter(entry('a', { model: 'other' }), new FakeExchange())).toBeUndefined();
    expect(q.states()).toEqual([]);
  });

  it('keys take turns at the freed slots: a key with many requests waiting does not keep the others out', async () => {
    const q = new FairQueue({ replicas: () => 1, slots: () => 2, timeoutMs: 60_000 });
    const started: string[] = [];
    const a1 = enter(q, entry('a'), started, 'a1');
    const a2 = enter(q, entry('a'), started, 'a2');
    const a3 = enter(q, entry('a'), started, 'a3');
    const a4 = enter(q, entry('a'), started, 'a4');
    const b1 = enter(q, entry('b'), started, 'b1');
    const c1 = enter(q, entry('c'), started, 'c1');
    const b2 = enter(q, entry('b'), started, 'b2');
    expect(started).toEqual(['a1', 'a2']);
    expect(q.states()[0]).toMatchObject({ waiting: 5, running: 2 });
    // Every key's turn is the same: b holds none and waited longer than c; a holds two.
    a1.x.finish();
    await flush();
    expect(started).toEqual(['a1', 'a2', 'b1']);
    a2.x.finish();
    await flush();
    expect(started).toEqual(['a1', 'a2', 'b1', 'c1']);
    // a's turn now: b and c have had theirs.
    b1.x.finish();
    await flush();
    expect(started).toEqual(['a1', 'a2', 'b1', 'c1', 'a3']);
    c1.x.finish();
    await flush();
    expect(started).toEqual(['a1', 'a2', 'b1', 'c1', 'a3', 'b2']);
    a3.x.finish();
    await flush();
    expect(started).toEqual(['a1', 'a2', 'b1', 'c1', 'a3', 'b2', 'a4']);
    for (const r of [b2, a4]) r.x.finish();
    await Promise.all([a4.result, b2.result]);
    expect(q.states()).toEqual([{ model: 'm', waiting: 0, running: 0, capacity: 2 }]);
  });

  it.each([
    [1, 'high', 'normal', 200, 100],
    [1, 'normal', 'low', 200, 100],
    [1, 'high', 'low', 240, 60],
    [3, 'high', 'low', 240, 60],
    [4, 'normal', 'normal', 150, 150],
  ] as const)('weighs turns by priority, whatever the capacity (%i slots, %s against %s)', async (capacity, p1, p2, n1, n2) => {
    const q = new FairQueue({ replicas: () => 1, slots: () => capacity, timeoutMs: 60_000 });
    const priority = { one: p1, two: p2 } as const;
    const counts = { one: 0, two: 0 };
    // In start order: the requests holding slots.
    const holding: FakeExchange[] = [];
    const all: FakeExchange[] = [];
    const add = (key: 'one' | 'two'): void => {
      const x = new FakeExchange();
      all.push(x);
      const waited = q.enter(entry(key, { priority: priority[key] }), x)?.wait;
      if (waited === undefined) holding.push(x);
      else
        void waited.then(() => {
          counts[key]++;
          holding.push(x);
          add(key);
        });
    };
    // Both keys keep a backlog: each request that starts from the queue is replaced by another.
    for (let i = 0; i < capacity + 2; i++) {
      add('one');
      add('two');
    }
    for (let freed = 0; freed < 300; freed++) {
      holding.shift()!.finish();
      await flush();
    }
    expect(counts.one + counts.two).toBe(300);
    expect(Math.abs(counts.one - n1)).toBeLessThanOrEqual(2);
    expect(Math.abs(counts.two - n2)).toBeLessThanOrEqual(2);
    for (const x of all) x.finish();
  });

  it('counts sequences: a request for 3 waits until 3 slots are free, and a key of single requests does not starve it', async () => {
    const q = new FairQueue({ replicas: () => 1, slots: () => 4, timeoutMs: 60_000 });
    const holding: FakeExchange[] = [];
    const all: FakeExchange[] = [];
    // Key b always has single requests waiting: each one that starts is replaced.
    const addB = (): void => {
      const x = new FakeExchange();
      all.push(x);
      const waited = q.enter(entry('b'), x)?.wait;
      if (waited === undefined) holding.push(x);
      else
        void waited.then(() => {
          holding.push(x);
          addB();
        });
    };
    for (let i = 0; i < 6; i++) addB();
    const big = new FakeExchange();
    let bigStarted = false;
    void q.enter(entry('a', { sequences: 3 }), big)?.wait?.then(() => (bigStarted = true));
    let released = 0;
    while (!bigStarted && released < 50) {
      holding.shift()!.finish();
      released++;
      await flush();
    }
    expect(bigStarted).toBe(true);
    // Its turn came within a few of b's; then it waited for 3 free slots, which nothing took meanwhile.
    expect(released).toBeLessThanOrEqual(6);
    expect(q.states()[0]).toMatchObject({ running: 4 });
    for (const x of [...all, big]) x.finish();
  });

  it('lets a request for more sequences than the whole capacity go when nothing runs', async () => {
    const q = new FairQueue({ replicas: () => 1, slots: () => 2, timeoutMs: 60_000 });
    const started: string[] = [];
    const a = enter(q, entry('a'), started, 'a');
    const big = enter(q, entry('b', { sequences: 8 }), started, 'big');
    expect(started).toEqual(['a']);
    a.x.finish();
    await flush();
    expect(started).toEqual(['a', 'big']);
    expect(q.states()[0]).toMatchObject({ running: 8 });
    big.x.finish();
  });

  it('takes a request whose client left out of the queue, so the slot goes to the next one', async () => {
    const q = new FairQueue({ replicas: () => 1, slots: () => 1, timeoutMs: 60_000 });
    const started: string[] = [];
    const a = enter(q, entry('a'), started, 'a');
    const gone = enter(q, entry('b'), started, 'gone');
    const c = enter(q, entry('c'), started, 'c');
    gone.x.finish();
    // Its wait is noted at once, before the exchange reports its outcome.
    expect(gone.x.queuedMs).toEqual(expect.any(Number));
    await gone.result;
    expect(q.states()[0]).toMatchObject({ waiting: 1, running: 1 });
    a.x.finish();
    await flush();
    expect(started).toEqual(['a', 'c']);
    c.x.finish();
    expect(q.states()[0]).toMatchObject({ waiting: 0, running: 0 });
  });

  it("a ticket's slots carry the model's per-replica cap; they are given back when the request ends, or at once when it never started", async () => {
    vi.useFakeTimers();
    const q = new FairQueue({ replicas: () => 2, slots: () => 3, timeoutMs: 1000 });
    const replica = { queued: 0 };
    const x = new FakeExchange();
    const ticket = q.enter(entry('a', { sequences: 3 }), x)!;
    expect(ticket.slot).toEqual({ sequences: 3, cap: 3, replica: undefined, released: false });
    // The routing places it on a replica; the request's end gives the sequences back there.
    Object.assign(ticket.slot, { replica });
    replica.queued = 3;
    q.enter(entry('b', { sequences: 3 }), new FakeExchange());
    const waiting = q.enter(entry('c'), new FakeExchange())!;
    const wait = waiting.wait!.catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(1000);
    expect(((await wait) as GatewayError).kind).toBe('overloaded');
    expect([waiting.slot.released, waiting.slot.replica]).toEqual([true, undefined]);
    x.finish();
    expect([replica.queued, ticket.slot.released]).toEqual([0, true]);
  });

  it('takes no slot for an exchange that is already over', () => {
    const q = new FairQueue({ replicas: () => 1, slots: () => 1, timeoutMs: 60_000 });
    const x = new FakeExchange();
    x.over = true;
    expect(q.enter(entry('a'), x)).toBeUndefined();
    expect(q.states()[0]).toMatchObject({ running: 0 });
  });

  it('answers 503 overloaded with Retry-After when the wait reaches the timeout, and frees the place', async () => {
    vi.useFakeTimers();
    const q = new FairQueue({ replicas: () => 1, slots: () => 1, timeoutMs: 2500 });
    const started: string[] = [];
    const a = enter(q, entry('a'), started, 'a');
    const late = enter(q, entry('b'), started, 'late');
    await vi.advanceTimersByTimeAsync(2499);
    expect(q.states()[0]).toMatchObject({ waiting: 1 });
    await vi.advanceTimersByTimeAsync(1);
    const err = (await late.result) as GatewayError;
    expect(late.x.queuedMs).toBe(2500);
    expect(err.kind).toBe('overloaded');
    expect(err.status).toBe(503);
    expect(err.message).toBe("Model m is busy: this request waited 2.5 s for a free slot in the gateway's queue. Retry later.");
    expect(err.headers).toEqual({ 'retry-after': '5' });
    expect(q.states()[0]).toMatchObject({ waiting: 0, running: 1 });
    // Its exchange ending later changes nothing.
    late.x.finish();
    a.x.finish();
    expect(q.states()[0]).toMatchObject({ waiting: 0, running: 0 });
  });

  it('starts those waiting when slots come without a release (a replica added), at the next request', async () => {
    let replicas = 1;
    const q = new FairQueue({ replicas: () => replicas, slots: () => 1, timeoutMs: 60_000 });
    const started: string[] = [];
    const a = enter(q, entry('a'), started, 'a');
    const b = enter(q, entry('b'), started, 'b');
    replicas = 3;
    const c = enter(q, entry('c'), started, 'c');
    await flush();
    expect(started.sort()).toEqual(['a', 'b', 'c']);
    expect(q.states()[0]).toMatchObject({ waiting: 0, running: 3 });
    for (const r of [a, b, c]) r.x.finish();
  });

  it('holds nothing back once the model has no replica listed: those waiting go on with the next request', async () => {
    let replicas = 1;
    const q = new FairQueue({ replicas: () => replicas, slots: () => 1, timeoutMs: 60_000 });
    const started: string[] = [];
    const a = enter(q, entry('a'), started, 'a');
    const b = enter(q, entry('b'), started, 'b');
    replicas = 0;
    const c = enter(q, entry('c'), started, 'c');
    await flush();
    expect(started).toEqual(['a', 'c', 'b']);
    for (const r of [a, b, c]) r.x.finish();
    expect(q.states()[0]).toMatchObject({ waiting: 0, running: 0 });
  });

  it('notes the time waited when the request starts, and nothing for one that went at once', async () => {
    let now = 1000;
    const q = new FairQueue({ replicas: () => 1, slots: () => 1, timeoutMs: 60_000, now: () => now });
    const a = new FakeExchange();
    expect(q.enter(entry('a'), a)?.wait).toBeUndefined();
    const b = new FakeExchange();
    const waited = q.enter(entry('b'), b)?.wait;
    now = 1750;
    a.finish();
    await waited;
    expect([a.queuedMs, b.queuedMs]).toEqual([undefined, 750]);
  });
});

describe('fleetQueue', () => {
  it('is off when neither PROXY_REPLICA_SLOTS nor a model of the file sets slots', () => {
    expect(fleetQueue({ slots: modelSlots(new Map([['m', { affinityHold: 2 }]]), 0), timeoutMs: 1000, replicas: () => 2 })).toBeUndefined();
  });

  it("a model's capacity is its slots (the file's first) times the replicas that list it", () => {
    const replicas: Record<string, number> = { a: 3, b: 2, c: 4 };
    const q = fleetQueue({ slots: modelSlots(new Map([['b', { replicaSlots: 8 }], ['c', { replicaSlots: 0 }]]), 4), timeoutMs: 1000, replicas: (m) => replicas[m] ?? 0 });
    expect(q).toBeDefined();
    for (const m of ['a', 'b', 'c', 'unlisted']) expect(q!.enter(entry('k', { model: m }), new FakeExchange())?.wait).toBeUndefined();
    expect(q!.states()).toEqual([
      { model: 'a', waiting: 0, running: 1, capacity: 12 },
      { model: 'b', waiting: 0, running: 1, capacity: 16 },
    ]);
  });

  it('is on for the models the file gives slots when PROXY_REPLICA_SLOTS is 0', () => {
    const q = fleetQueue({ slots: modelSlots(new Map([['b', { replicaSlots: 2 }]]), 0), timeoutMs: 1000, replicas: () => 1 });
    expect(q!.enter(entry('k', { model: 'a' }), new FakeExchange())).toBeUndefined();
    expect(q!.enter(entry('k', { model: 'b' }), new FakeExchange())?.wait).toBeUndefined();
    expect(q!.states().map((m) => m.model)).toEqual(['b']);
  });
});
