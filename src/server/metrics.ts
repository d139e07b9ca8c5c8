/**
 * Prometheus metrics (docs/operations.md): one registry per app (no globals, so tests can build many
 * apps in one process), fed by the data plane's RequestObserver port and by gauges read at
 * scrape time (in-flight requests, backend reachability).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestObserver } from '../data-plane/context.js';
import { createModelKeyMetrics, type ReplicaHealthSource } from './model-key-metrics.js';
import { createQueueMetrics, type QueueSource } from './queue-metrics.js';
import { FastCounter, FastHistogram, register } from './request-metrics.js';

export interface GatewayMetrics extends RequestObserver {
  readonly registry: Registry;
  /** Requests whose usage was dropped because their key was deleted first. */
  onUsageDropped(requests: number): void;
}

export interface MetricsSources {
  inFlight(): number;
  /** Latest known backend state, without probing (scrapes must stay cheap). */
  backendUp(): Promise<boolean | undefined>;
  /** The usage spool: increments waiting for the store, and the oldest one's epoch ms. */
  usageSpool(): { readonly entries: number; readonly oldestAt: number | undefined };
  /** Per-replica health (undefined until the data plane exists). */
  replicas?(): (ReplicaHealthSource & QueueSource) | undefined;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200];

export function createMetrics(sources: MetricsSources): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'worv_proxy_' });
  const requests = new FastCounter('worv_proxy_requests_total', '/v1 requests by endpoint, status and result', ['endpoint', 'status', 'result']);
  const duration = new FastHistogram(
    'worv_proxy_request_duration_seconds',
    'Whole /v1 request duration, arrival to response end',
    ['endpoint', 'stream'],
    LATENCY_BUCKETS,
  );
  const ttfb = new FastHistogram(
    'worv_proxy_time_to_first_byte_seconds',
    "Arrival to the first byte of the backend's response body (time to first token for streams)",
    ['endpoint', 'stream'],
    LATENCY_BUCKETS,
  );
  const tokens = new FastCounter('worv_proxy_tokens_total', 'Tokens reported by the backend (estimated for a stream that ended without its usage)', ['kind']);
  for (const m of [requests, duration, ttfb, tokens]) register(registry, m);
  const perModelKey = createModelKeyMetrics(registry, LATENCY_BUCKETS, () => sources.replicas?.());
  const queue = createQueueMetrics(registry, () => sources.replicas?.());
  new Gauge({
    name: 'worv_proxy_requests_in_flight',
    help: '/v1 requests being served',
    registers: [registry],
    collect() {
      this.set(sources.inFlight());
    },
  });
  new Gauge({
    name: 'worv_proxy_backend_up',
    help: '1 when the last backend probe succeeded, 0 when it failed (absent before the first probe)',
    registers: [registry],
    async collect() {
      const up = await sources.backendUp();
      if (up === undefined) this.reset();
      else this.set(up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'worv_proxy_usage_spool_entries',
    help: 'Usage increments in the local spool, waiting for the store',
    registers: [registry],
    collect() {
      this.set(sources.usageSpool().entries);
    },
  });
  new Gauge({
    name: 'worv_proxy_usage_spool_oldest_seconds',
    help: 'Age of the oldest increment in the usage spool (0 when empty)',
    registers: [registry],
    collect() {
      const oldest = sources.usageSpool().oldestAt;
      this.set(oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
    },
  });
  const dropped = new Counter({
    name: 'worv_proxy_usage_dropped_total',
    help: 'Requests whose usage was dropped because their key had been deleted',
    registers: [registry],
  });

  return {
    registry,
    onUsageDropped(requests) {
      dropped.inc(requests);
    },
    onRequestEnd(o) {
      requests.inc(1, o.endpoint, o.status, o.result);
      const stream = o.stream ? 'true' : 'false';
      duration.observe(o.durationMs / 1000, o.endpoint, stream);
      if (o.ttfbMs !== undefined) ttfb.observe(o.ttfbMs / 1000, o.endpoint, stream);
      if (o.usage !== undefined) {
        tokens.inc(o.usage.promptTokens, 'prompt');
        tokens.inc(o.usage.completionTokens, 'completion');
        tokens.inc(o.usage.cachedTokens, 'cached');
        tokens.inc(o.usage.reasoningTokens, 'reasoning');
      }
      perModelKey.onRequestEnd(o);
      queue.onRequestEnd(o);
    },
  };
}
