/**
 * The gateway's own queue in front of a model's replicas (docs/limits.md "A fair queue"). With
 * slots set for a model, this gateway runs at most slots × its replicas sequences there at once;
 * the rest wait here, and keys take turns at the slots that free, each turn worth its priority's
 * weight (weighted fair queueing: a key's pass grows by sequences / weight with each request
 * it starts, the request whose turn would end first goes next, a key that starts waiting joins
 * at the pass of the last start). A key alone uses every slot; keys that compete share them, whatever number of
 * requests each sends. Without slots nothing is counted: requests go on and queue in the engines.
 */
import { GatewayError } from '../core/errors.js';
import type { Priority } from '../core/limits.js';
import type { UsageCounts } from './context.js';
import type { ModelSettings } from './models-file.js';
import { releaseSlot, type QueueSlot } from './upstream/replicas.js';

/** A key's turn, by priority: `high` starts twice the sequences of `normal`, `low` half. */
export const PRIORITY_WEIGHT: Readonly<Record<Priority, number>> = Object.freeze({ high: 4, normal: 2, low: 1 });

/** What a waiting request is told when its time in the queue runs out. */
export function queueTimeoutMessage(model: string, seconds: number): string {
  return `Model ${model} is busy: this request waited ${seconds} s for a free slot in the gateway's queue. Retry later.`;
}

/** The exchange as the queue sees it. */
export interface QueueFinishable {
  /** Runs `fn` once when the request is over. */
  onFinish(fn: (usage: UsageCounts) => void | Promise<void>): void;
  /** The request waited this long (ms) in `model`'s queue: set when it leaves the queue, however it leaves. */
  noteQueued(ms: number, model: string): void;
}

export interface FairQueueOptions {
  /** The model's slots per replica; 0: no queue for it. */
  readonly slots: (model: string) => number;
  /** The replicas that list the model. */
  readonly replicas: (model: string) => number;
  readonly timeoutMs: number;
  readonly now?: () => number;
}

/** A request's place: its slots (the routing places them on a replica), and the wait for them when there is one. */
export interface QueueTicket {
  readonly slot: QueueSlot;
  readonly wait: Promise<void> | undefined;
}

interface Waiter {
  readonly model: string;
  readonly keyId: string;
  readonly weight: number;
  readonly slot: QueueSlot;
  readonly since: number;
  readonly x: QueueFinishable;
  resolve: () => void;
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
  /** Each key's pass: where its next turn stands (one entry per key that used the model). */
  readonly pass: Map<string, number>;
  /** The pass of the last request started from the queue. */
  now: number;
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

/** Each model's slots per replica: the models file's `replicaSlots`, else PROXY_REPLICA_SLOTS; `any`: some model has slots. */
export interface ModelSlots {
  readonly of: (model: string | undefined) => number;
  readonly any: boolean;
}

export function modelSlots(file: ReadonlyMap<string, ModelSettings>, slots: number): ModelSlots {
  return {
    of: (model) => (model === undefined ? undefined : file.get(model)?.replicaSlots) ?? slots,
    any: slots > 0 || [...file.values()].some((m) => (m.replicaSlots ?? 0) > 0),
  };
}

/** The queue for a fleet, or undefined when no model has slots (nothing is counted then). */
export function fleetQueue(o: { readonly slots: ModelSlots; readonly timeoutMs: number; readonly replicas: (model: string) => number }): FairQueue | undefined {
  return o.slots.any ? new FairQueue({ slots: o.slots.of, replicas: o.replicas, timeoutMs: o.timeoutMs }) : undefined;
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
   * Takes `e.sequences` of the model's slots for the request, given back when `x` is over.
   * Undefined when the model has no slots (nothing counted). Else the ticket: its slot, and no
   * wait when the slots are free now (no promise made), or a wait that resolves when they are
   * taken, or when the request left the queue because its client went away, and rejects with
   * 503 when it waited the whole timeout.
   */
  enter(e: QueueEntry, x: QueueFinishable): QueueTicket | undefined {
    const cap = this.#o.slots(e.model);
    const capacity = this.#capacity(e.model, cap);
    const known = this.#models.get(e.model);
    if (capacity <= 0) {
      // The model lost its replicas: those waiting go on too, and get what they would without a queue.
      if (known !== undefined && known.waitingCount > 0) this.#pump(e.model, known);
      return undefined;
    }
    const q = known ?? this.#queue(e.model);
    const w: Waiter = {
      model: e.model,
      keyId: e.keyId,
      weight: PRIORITY_WEIGHT[e.priority ?? 'normal'],
      slot: { sequences: e.sequences, cap, replica: undefined, released: false },
      since: this.#now(),
      x,
      resolve: noop,
      timer: undefined,
      state: 'waiting',
    };
    x.onFinish(() => this.#leave(e.model, q, w));
    // The exchange was over already (its client left during the key lookup): nothing to take.
    if (w.state === 'done') return undefined;
    // Slots that came since the last release (a replica added) go to those waiting first.
    if (q.waitingCount > 0) this.#pump(e.model, q);
    if (q.waitingCount === 0 && fits(q, w, capacity)) {
      this.#start(q, w);
      return { slot: w.slot, wait: undefined };
    }
    const list = q.waiting.get(w.keyId);
    if (list === undefined) {
      q.waiting.set(w.keyId, [w]);
      // Joins the turns where they stand: no credit for the time it sent nothing.
      q.pass.set(w.keyId, Math.max(q.pass.get(w.keyId) ?? q.now, q.now));
    } else list.push(w);
    q.waitingCount++;
    const wait = new Promise<void>((resolve, reject) => {
      w.resolve = resolve;
      w.timer = setTimeout(() => {
        this.#unqueue(q, w);
        this.#done(w);
        this.#pump(e.model, q);
        reject(new GatewayError('overloaded', queueTimeoutMessage(e.model, this.#o.timeoutMs / 1000), { 'retry-after': '5' }));
      }, this.#o.timeoutMs);
    });
    return { slot: w.slot, wait };
  }

  /** The most the model may run through this gateway: slots × the replicas that list it. */
  #capacity(model: string, slots: number = this.#o.slots(model)): number {
    return slots === 0 ? 0 : slots * this.#o.replicas(model);
  }

  /** The model's queue now, when it has slots (also before its first request); undefined without. */
  state(model: string): QueueState | undefined {
    const capacity = this.#capacity(model);
    const q = this.#models.get(model);
    if (capacity <= 0 && q === undefined) return undefined;
    return { model, waiting: q?.waitingCount ?? 0, running: q?.running ?? 0, capacity };
  }

  /** Each model that had a request through the queue, and each of `listed` that has slots: requests waiting, sequences running, its capacity now. */
  states(listed: readonly string[] = []): QueueState[] {
    return [...new Set([...this.#models.keys(), ...listed])].flatMap((model) => this.state(model) ?? []);
  }

  #queue(model: string): ModelQueue {
    const q: ModelQueue = { running: 0, held: new Map(), waiting: new Map(), waitingCount: 0, pass: new Map(), now: 0 };
    this.#models.set(model, q);
    return q;
  }

  /**
   * The request takes its slots and its key's turn moves on, also for one that did not wait (a
   * key that filled the slots alone goes after the others when they come). A key that waited
   * keeps the pass it joined with; one that did not joins now.
   */
  #start(q: ModelQueue, w: Waiter, waited = false): void {
    const own = q.pass.get(w.keyId);
    const pass = waited && own !== undefined ? own : Math.max(own ?? q.now, q.now);
    q.now = Math.max(q.now, pass);
    q.pass.set(w.keyId, pass + w.slot.sequences / w.weight);
    w.state = 'running';
    q.running += w.slot.sequences;
    q.held.set(w.keyId, (q.held.get(w.keyId) ?? 0) + w.slot.sequences);
  }

  /** A waiter leaves the queue (started, timed out or gone): its wait is noted once. */
  #done(w: Waiter, next: Waiter['state'] = 'done'): void {
    clearTimeout(w.timer);
    w.state = next;
    if (next === 'done') releaseSlot(w.slot);
    w.x.noteQueued(this.#now() - w.since, w.model);
  }

  /** The request is over: give back its slots, or take it out of the queue (its client left). */
  #leave(model: string, q: ModelQueue, w: Waiter): void {
    if (w.state === 'done') return;
    if (w.state === 'waiting') {
      this.#unqueue(q, w);
      this.#done(w);
      w.resolve();
      // A large request that left may have held back smaller ones.
      this.#pump(model, q);
      return;
    }
    w.state = 'done';
    releaseSlot(w.slot);
    q.running -= w.slot.sequences;
    const held = (q.held.get(w.keyId) ?? 0) - w.slot.sequences;
    if (held > 0) q.held.set(w.keyId, held);
    else {
      q.held.delete(w.keyId);
      // A key with nothing running or waiting whose turn is not ahead joins at `now` anyway: forget it.
      if (!q.waiting.has(w.keyId) && (q.pass.get(w.keyId) ?? 0) <= q.now) q.pass.delete(w.keyId);
    }
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

  /**
   * Starts waiting requests while slots are free, in turn. The next one waits for the slots it
   * needs: nothing passes it meanwhile, so a request for several sequences is not starved.
   */
  #pump(model: string, q: ModelQueue): void {
    const capacity = this.#capacity(model);
    while (q.waitingCount > 0) {
      const next = this.#next(q);
      if (capacity > 0 && !fits(q, next, capacity)) return;
      this.#unqueue(q, next);
      this.#done(next, 'running');
      this.#start(q, next, true);
      next.resolve();
    }
  }

  /**
   * The head whose turn would end first (its key's pass plus its own sequences over the weight:
   * at equal passes a `high` key's request goes before a `normal` one's); ties: the key holding
   * fewer slots for its weight, then the longest waiting.
   */
  #next(q: ModelQueue): Waiter {
    let best: Waiter | undefined;
    let bestEnd = Infinity;
    let bestHeld = Infinity;
    for (const [keyId, list] of q.waiting) {
      const head = list[0] as Waiter;
      const end = (q.pass.get(keyId) ?? q.now) + head.slot.sequences / head.weight;
      const held = (q.held.get(keyId) ?? 0) / head.weight;
      if (end < bestEnd || (end === bestEnd && (held < bestHeld || (held === bestHeld && best !== undefined && head.since < best.since)))) {
        best = head;
        bestEnd = end;
        bestHeld = held;
      }
    }
    return best as Waiter;
  }
}

/** A request fits while the slots it takes are free; one larger than the whole capacity goes when nothing runs. */
function fits(q: ModelQueue, w: Waiter, capacity: number): boolean {
  return q.running === 0 || q.running + w.slot.sequences <= capacity;
}

function noop(): void {}
