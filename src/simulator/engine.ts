// The engine's scheduler, simulated: which generating requests run, which wait for a slot
// (`maxNumSeqs`), the hung mode (requests are accepted, counted as running, and never make
// progress until the mode is lifted), the queue-full mode (turned away before any byte),
// the prefix cache and the KV blocks the running requests hold.

import type { ResolvedOptions } from './options.js';
import { BLOCK_TOKENS, PrefixCache } from './prefix-cache.js';

interface Waiter {
  readonly id: number;
  readonly go: () => void;
  /** Lower goes first under the priority policy; ties (and fcfs) keep arrival order. */
  readonly priority: number;
}

export class Engine {
  readonly cache: PrefixCache;
  /** 429 or 503 while in queue-full mode. */
  queueFull: number | undefined;
  private hungNow: boolean;
  private readonly running = new Set<number>();
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

  get runningCount(): number {
    return this.running.size;
  }

  get waitingCount(): number {
    return this.waiting.length;
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

  /** Runs request `id` now if a slot is free, else queues it (by priority under that policy). */
  admit(id: number, go: () => void, priority = 0): void {
    const max = this.o.maxNumSeqs;
    if (max > 0 && this.running.size >= max) {
      const w = { id, go, priority };
      const at = this.o.schedulingPolicy === 'priority' ? this.waiting.findIndex((q) => q.priority > priority) : -1;
      if (at < 0) this.waiting.push(w);
      else this.waiting.splice(at, 0, w);
      return;
    }
    this.running.add(id);
    go();
  }

  /** Request `id` now holds `tokens` worth of KV blocks. */
  holdKv(id: number, tokens: number): void {
    const blocks = Math.ceil(tokens / BLOCK_TOKENS);
    this.kv.set(id, blocks);
    this.kvTotal += blocks;
  }

  /** Request `id` ended (finished, aborted or reset): frees its slot and KV blocks. */
  end(id: number): void {
    const blocks = this.kv.get(id);
    if (blocks !== undefined) {
      this.kv.delete(id);
      this.kvTotal -= blocks;
    }
    if (!this.running.delete(id)) {
      this.waiting = this.waiting.filter((w) => w.id !== id);
      return;
    }
    const next = this.waiting.shift();
    if (next !== undefined) {
      this.running.add(next.id);
      next.go();
    }
  }

  /** Drops everything waiting or stopped (close()). */
  clear(): void {
    this.waiting = [];
    this.parked = [];
  }
}
