// The engine's scheduler, simulated: which generating requests run, which wait for a slot
// (`maxNumSeqs`), the hung mode (requests are accepted, counted as running, and never make
// progress until the mode is lifted), the queue-full mode (turned away before any byte),
// the prefix cache and the KV blocks the running requests hold.

import type { ResolvedOptions } from './options.js';
import { BLOCK_TOKENS, PrefixCache } from './prefix-cache.js';

interface Waiter {
  readonly id: number;
  readonly go: () => void;
  /** Sequences it runs: `n` choices (for each prompt), as vLLM schedules a request's children. */
  readonly seqs: number;
  /** Lower goes first under the priority policy; ties (and fcfs) keep arrival order. */
  readonly priority: number;
}

export class Engine {
  readonly cache: PrefixCache;
  /** 429 or 503 while in queue-full mode. */
  queueFull: number | undefined;
  private hungNow: boolean;
  /** Running requests and the sequences each runs. */
  private readonly running = new Map<number, number>();
  private runningSeqs = 0;
  private waiting: Waiter[] = [];
  /** Continuations stopped by the hung mode, run when it is lifted. */
  private parked: (() => void)[] = [];
  /** KV blocks held per running request. */
  private readonly kv = new Map<number, number>();
  private kvTotal = 0;
  private readonly kvCapacity: number;

  constructor(private readonly o: ResolvedOptions) {
    this.cache = new PrefixCache(o.prefixCacheBlocks);
    this.queueFull = o.queueFull;
    this.hungNow = o.hung;
    this.kvCapacity = o.prefixCacheBlocks > 0 ? o.prefixCacheBlocks : 8192;
  }

  /** Sequences running (vLLM counts a request for `n` choices as `n` requests). */
  get runningCount(): number {
    return this.runningSeqs;
  }

  get waitingCount(): number {
    let n = 0;
    for (const w of this.waiting) n += w.seqs;
    return n;
  }

  /** Share of the KV blocks held by running requests, 0..1. */
  get kvUsage(): number {
    return Math.min(1, this.kvTotal / this.kvCapacity);
  }

  get hung(): boolean {
    return this.hungNow;
  }

  /** Hung: nothing generates; lifting it resumes every stopped request. */
  setHung(hung: boolean): void {
    this.hungNow = hung;
    if (hung) return;
    const parked = this.parked;
    this.parked = [];
    for (const go of parked) go();
  }

  /** Calls `go` now, or once the hung mode is lifted. */
  whenProgressing(go: () => void): boolean {
    if (!this.hungNow) return true;
    this.parked.push(go);
    return false;
  }

  /**
   * Runs request `id` now if its `seqs` sequences fit in the free slots (or nothing runs: one
   * larger than the engine still runs), else queues it (by priority under that policy).
   */
  admit(id: number, go: () => void, priority = 0, seqs = 1): void {
    const w = { id, go, priority, seqs };
    const at = this.o.schedulingPolicy === 'priority' ? this.waiting.findIndex((q) => q.priority > priority) : -1;
    if (at < 0) this.waiting.push(w);
    else this.waiting.splice(at, 0, w);
    this.startWaiting();
  }

  /** Starts the waiting requests in order for as long as the first fits: it waits for room rather than be passed. */
  private startWaiting(): void {
    for (let next = this.waiting[0]; next !== undefined && this.fits(next.seqs); next = this.waiting[0]) {
      this.waiting.shift();
      this.start(next.id, next.seqs, next.go);
    }
  }

  private fits(seqs: number): boolean {
    const max = this.o.maxNumSeqs;
    return max === 0 || this.runningSeqs === 0 || this.runningSeqs + seqs <= max;
  }

  private start(id: number, seqs: number, go: () => void): void {
    this.running.set(id, seqs);
    this.runningSeqs += seqs;
    go();
  }

  /** Request `id` now holds `tokens` worth of KV blocks (a hung engine schedules nothing: once lifted). */
  holdKv(id: number, tokens: number): void {
    if (this.hungNow) {
      this.parked.push(() => {
        if (this.running.has(id)) this.holdKv(id, tokens);
      });
      return;
    }
    const blocks = Math.ceil(tokens / BLOCK_TOKENS);
    this.kv.set(id, blocks);
    this.kvTotal += blocks;
  }

  /**
   * Request `id` ended (finished, aborted or reset): frees its slot and KV blocks. A hung engine
   * frees no block until the mode is lifted (a wedged engine processes no abort), so its KV-cache
   * use stands still as its generation counter does.
   */
  end(id: number): void {
    const blocks = this.kv.get(id);
    if (blocks !== undefined) {
      this.kv.delete(id);
      if (this.hungNow) this.parked.push(() => (this.kvTotal -= blocks));
      else this.kvTotal -= blocks;
    }
    const seqs = this.running.get(id);
    if (seqs === undefined) {
      // A waiting request left: the one behind it may fit now.
      this.waiting = this.waiting.filter((w) => w.id !== id);
    } else {
      this.running.delete(id);
      this.runningSeqs -= seqs;
    }
    this.startWaiting();
  }

  /** Drops everything waiting or stopped (close()). */
  clear(): void {
    this.waiting = [];
    this.parked = [];
  }
}
