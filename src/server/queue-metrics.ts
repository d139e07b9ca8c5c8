/**
 * The fair queue's series (data-plane/fair-queue.ts), per model: requests waiting in this
 * gateway's queue, sequences it runs through it beside the capacity, and how long the requests
 * that waited did wait. Every listed model with slots has its series, from the first probe.
 */
import { Gauge, type Registry } from 'prom-client';
import type { RequestOutcome } from '../data-plane/context.js';
import type { QueueState } from '../data-plane/fair-queue.js';
import { FastHistogram, register } from './request-metrics.js';

export interface QueueSource {
  queued(): readonly QueueState[];
}

const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export function createQueueMetrics(registry: Registry, source: () => QueueSource | undefined): { onRequestEnd(o: RequestOutcome): void } {
  const gauge = (name: string, help: string, read: (q: QueueState) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['model'],
      registers: [registry],
      collect() {
        const s = source();
        if (s === undefined) return;
        this.reset();
        for (const q of s.queued()) this.set({ model: q.model }, read(q));
      },
    });
  };
  gauge('worv_proxy_queue_requests_waiting', "Requests waiting in this gateway's fair queue for a slot of the model (PROXY_REPLICA_SLOTS)", (q) => q.waiting);
  gauge('worv_proxy_queue_sequences_running', 'Sequences this gateway runs on the model through its fair queue', (q) => q.running);
  gauge('worv_proxy_queue_capacity', "The model's slots for this gateway: its slots per replica times the replicas that list it", (q) => q.capacity);
  const waited = new FastHistogram('worv_proxy_queue_wait_seconds', "How long requests that waited in the fair queue waited for a slot, by model (the wait is part of their time to first byte)", ['model', 'stream'], WAIT_BUCKETS);
  register(registry, waited);
  return {
    onRequestEnd(o) {
      const q = o.queued;
      if (q !== undefined) waited.observe(q.ms / 1000, q.model, o.stream ? 'true' : 'false');
    },
  };
}
