// One timer per distinct delay instead of one per token: callbacks due after the same delay
// sit in a FIFO (they come due in insertion order) served by a single timer. Ten thousand
// streams ticking at the same inter-token delay cost one timer, not ten thousand.

/** The time read at the start of the bucket being served, while it is served. */
let firingNow: number | undefined;

interface Entry {
  readonly due: number;
  readonly fn: () => void;
}

class Bucket {
  private readonly queue: Entry[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly delay: number, private readonly onEmpty: () => void) {}

  push(fn: () => void): void {
    // Inside fire() (where most pushes come from: streams scheduling their next token) the
    // time read at the start of the tick is close enough and saves a clock call per token.
    const now = firingNow ?? performance.now();
    this.queue.push({ due: now + this.delay, fn });
    if (this.timer === undefined) this.arm(this.delay);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.fire, Math.max(0, ms));
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const start = performance.now();
    // 1 ms slack: setTimeout may fire a little early relative to performance.now().
    const now = start + 1;
    const end = this.queue.length;
    firingNow = start;
    try {
      while (this.head < end) {
        const e = this.queue[this.head] as Entry;
        if (e.due > now) break;
        this.head++;
        e.fn();
      }
    } finally {
      firingNow = undefined;
    }
    if (this.head >= this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      this.onEmpty();
      return;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.arm((this.queue[this.head] as Entry).due - performance.now());
  };

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.head = 0;
  }
}

/** Runs callbacks after a delay, batching equal delays onto one timer. */
export class Scheduler {
  private readonly buckets = new Map<number, Bucket>();

  /** Calls `fn` after `ms` milliseconds (rounded to whole ms); `ms <= 0` runs on setImmediate. */
  after(ms: number, fn: () => void): void {
    const delay = Math.round(ms);
    if (delay <= 0) {
      setImmediate(fn);
      return;
    }
    let bucket = this.buckets.get(delay);
    if (bucket === undefined) {
      bucket = new Bucket(delay, () => this.buckets.delete(delay));
      this.buckets.set(delay, bucket);
    }
    bucket.push(fn);
  }

  /** Drops every pending callback (used by close()). */
  cancelAll(): void {
    for (const b of this.buckets.values()) b.cancel();
    this.buckets.clear();
  }
}
