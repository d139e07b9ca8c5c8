/**
 * The gateway's own queue in front of a model's replicas (docs/limits.md "A fair queue"). With
 * slots set for a model, this gateway sends its replicas at most slots × replicas sequences at
 * once; the rest wait here, and each freed slot goes to the waiting key that would then hold the
 * smallest share of the model's slots for its priority's weight, ties to the one waiting longest. A key alone uses
 * every slot; keys that compete share them, whatever number of requests each sends. Without
 * slots nothing is counted: requests go straight on and queue in the engines, as before.
 */
import { GatewayError } from '../core/errors.js';
import type { Priority } from '../core/limits.js';
import type { UsageCounts } from './context.js';
import type { ModelSettings } from './models-file.js';

/** A key's share of a full model, by priority: `high` takes twice `normal`'s, `low` half. */
export const PRIORITY_WEIGHT: Readonly<Record<Priority, number>> = Object.freeze({ high: 4, normal: 2, low: 1 });

/** What a waiting request is told when its time in the queue runs out. */
export function queueTimeoutMessage(model: string, seconds: number): string {
  return `Model ${model} is busy: this request waited ${seconds} s for a free slot in the gateway's queue. Retry later.`;
}

/** The hook that runs when the request is over (the exchange's onFinish). */
export interface QueueFinishable {
  onFinish(fn: (usage: UsageCounts) => void | Promise<void>): void;
}

export interface FairQueueOptions {
  /** The sequences this gateway may run on `model`'s replicas at once; 0: no queue for it. */
  readonly capacity: (model: string) => number;
  readonly timeoutMs: number;
  readonly now?: () => number;
}

interface Waiter {
  readonly keyId: string;
  readonly weight: number;
  readonly seqs: number;
  readonly since: number;
  resolve: () => void;
  reject: (err: GatewayError) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** waiting → running (holds its sequences) → done. */
  state: 'waiting' | 'running' | 'done';
}

interface ModelQueue {
  running: number;
  /** Sequences each key runs on the model now, through this queue. */
  readonly held: Map<string, number>;
  /** Each key's waiting requests, oldest first. */
  readonly waiting: Map<string, Waiter[]>;
  waitingCount: number;
}

export interface QueueEntry {
  readonly model: string;
  readonly keyId: string;
  readonly priority: Priority | null | undefined;
  readonly sequences: number;
}

export interface QueueState {
  readonly model: string;
  readonly waiting: number;
  readonly running: number;
  readonly capacity: number;
}

/**
 * The queue for a fleet, or undefined when no model has slots (nothing is counted then): a
 * model's capacity is its slots (the models file's, else PROXY_REPLICA_SLOTS) times its replicas
 * in use. While none is, requests are not held: they go on and fail or wait as without a queue.
 */
export function fleetQueue(o: {
  readonly slots: number;
  readonly file: ReadonlyMap<string, ModelSettings>;
  readonly timeoutMs: number;
  /** The model's replicas that take requests now. */
  readonly replicas: (model: string) => number;
}): FairQueue | undefined {
  if (o.slots === 0 && ![...o.file.values()].some((m) => (m.replicaSlots ?? 0) > 0)) return undefined;
  return new FairQueue({ capacity: (model) => (o.file.get(model)?.replicaSlots ?? o.slots) * o.replicas(model), timeoutMs: o.timeoutMs });
}

export class FairQueue {
  readonly #o: FairQueueOptions;
  readonly #now: () => number;
  readonly #models = new Map<string, ModelQueue>();

  constructor(o: FairQueueOptions) {
    this.#o = o;
    this.#now = o.now ?? performance.now.bind(performance);
  }

  /**
   * Takes `e.sequences` of the model's slots for the request, released when `x` is over.
   * Returns undefined when the request may go at once (the common case, no promise made), else
   * a promise that resolves when it may go, or when it left the queue because its client went
   * away, and rejects with 503 when it waited the whole timeout.
   */
  enter(e: QueueEntry, x: QueueFinishable): Promise<number> | undefined {
    const capacity = this.#o.capacity(e.model);
    if (capacity <= 0) return undefined;
    const q = this.#queue(e.model);
    const w: Waiter = {
      keyId: e.keyId,
      weight: PRIORITY_WEIGHT[e.priority ?? 'normal'],
      seqs: e.sequences,
      since: this.#now(),
      resolve: noop,
      reject: noop,
      timer: undefined,
      state: 'waiting',
    };
    x.onFinish(() => this.#leave(e.model, q, w));
    // The exchange was over already (its client left during the key lookup): nothing to take.
    if (w.state === 'done') return undefined;
    // Slots that came since the last release (a replica back in use) go to those waiting first.
    if (q.waitingCount > 0) this.#pump(e.model, q);
    if (q.waitingCount === 0 && fits(q, w, capacity)) {
      this.#start(q, w);
      return undefined;
    }
    const list = q.waiting.get(w.keyId);
    if (list === undefined) q.waiting.set(w.keyId, [w]);
    else list.push(w);
    q.waitingCount++;
    return new Promise<number>((resolve, reject) => {
      w.resolve = () => resolve(this.#now() - w.since);
      w.reject = reject;
      w.timer = setTimeout(() => {
        this.#unqueue(q, w);
        w.state = 'done';
        this.#pump(e.model, q);
        reject(new GatewayError('overloaded', queueTimeoutMessage(e.model, this.#o.timeoutMs / 1000), { 'retry-after': '5' }));
      }, this.#o.timeoutMs);
    });
  }

  /** The model's queue now, when it has slots (also before its first request); undefined without. */
  state(model: string): QueueState | undefined {
    const capacity = this.#o.capacity(model);
    const q = this.#models.get(model);
    if (capacity <= 0 && q === undefined) return undefined;
    return { model, waiting: q?.waitingCount ?? 0, running: q?.running ?? 0, capacity };
  }

  /** Each model that had a request through the queue: requests waiting, sequences running, its capacity now. */
  models(): QueueState[] {
    return [...this.#models].map(([model, q]) => ({ model, waiting: q.waitingCount, running: q.running, capacity: this.#o.capacity(model) }));
  }

  #queue(model: string): ModelQueue {
    let q = this.#models.get(model);
    if (q === undefined) {
      q = { running: 0, held: new Map(), waiting: new Map(), waitingCount: 0 };
      this.#models.set(model, q);
    }
    return q;
  }

  #start(q: ModelQueue, w: Waiter): void {
    w.state = 'running';
    q.running += w.seqs;
    q.held.set(w.keyId, (q.held.get(w.keyId) ?? 0) + w.seqs);
  }

  /** The request is over: give back its slots, or take it out of the queue (its client left). */
  #leave(model: string, q: ModelQueue, w: Waiter): void {
    if (w.state === 'done') return;
    if (w.state === 'waiting') {
      this.#unqueue(q, w);
      clearTimeout(w.timer);
      w.state = 'done';
      w.resolve();
      // A large request that left may have held back smaller ones.
      this.#pump(model, q);
      return;
    }
    w.state = 'done';
    q.running -= w.seqs;
    const held = (q.held.get(w.keyId) ?? 0) - w.seqs;
    if (held > 0) q.held.set(w.keyId, held);
    else q.held.delete(w.keyId);
    this.#pump(model, q);
  }

  #unqueue(q: ModelQueue, w: Waiter): void {
    const list = q.waiting.get(w.keyId);
    if (list === undefined) return;
    const i = list.indexOf(w);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) q.waiting.delete(w.keyId);
    q.waitingCount--;
  }

  /** Starts waiting requests while slots are free, the neediest key's first. */
  #pump(model: string, q: ModelQueue): void {
    const capacity = this.#o.capacity(model);
    while (q.waitingCount > 0) {
      const next = this.#next(q);
      // Capacity gone (slots turned off for the model): everything waiting goes on.
      if (capacity > 0 && !fits(q, next, capacity)) return;
      this.#unqueue(q, next);
      clearTimeout(next.timer);
      this.#start(q, next);
      next.resolve();
    }
  }

  /**
   * The head of the key that would hold the smallest share with it (its slots with this
   * request's, over its weight: a `high` key goes before a `normal` one holding as many); ties:
   * the longest waiting.
   */
  #next(q: ModelQueue): Waiter {
    let best: Waiter | undefined;
    let bestShare = Infinity;
    for (const [keyId, list] of q.waiting) {
      const head = list[0] as Waiter;
      const share = ((q.held.get(keyId) ?? 0) + head.seqs) / head.weight;
      if (share < bestShare || (share === bestShare && best !== undefined && head.since < best.since)) {
        best = head;
        bestShare = share;
      }
    }
    return best as Waiter;
  }
}

/** A request fits while the slots it takes are free; one larger than the whole capacity goes when nothing runs. */
function fits(q: ModelQueue, w: Waiter, capacity: number): boolean {
  return q.running === 0 || q.running + w.seqs <= capacity;
}

function noop(): void {}
