/**
 * The request log's place in the gateway: a RequestObserver that queues each finished /v1
 * request for the batched writer (store/request-log-writer.ts), and the writer's Prometheus
 * series. Off when REQUEST_LOG_DAYS=0.
 */
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { RequestObserver } from '../data-plane/context.js';
import type { Store } from '../store/db.js';
import { openRequestLogWriter, type RequestLogWriter } from '../store/request-log-writer.js';
import { requestLogRow, type LoggedRequest } from './request-log-row.js';

export interface RequestLog extends RequestObserver {
  readonly writer: RequestLogWriter<LoggedRequest>;
}

export interface RequestLogDeps {
  readonly config: Config;
  readonly store: Store;
  readonly clock: Clock;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Tests: a smaller queue. */
  readonly capacity?: number;
  /** Body bytes the queue may hold (default 64 MiB); past it, requests are queued without bodies. */
  readonly maxBodyBytes?: number;
}

function bodyBytes({ outcome: { bodies } }: LoggedRequest): number {
  return bodies === undefined ? 0 : (bodies.request?.length ?? 0) + (bodies.response?.length ?? 0);
}

/** The request without its bodies, marked truncated where there was one. */
function withoutBodies(r: LoggedRequest): LoggedRequest {
  const b = r.outcome.bodies;
  if (b === undefined) return r;
  const bodies = {
    request: undefined,
    requestTruncated: b.requestTruncated || b.request !== undefined,
    response: undefined,
    responseTruncated: b.responseTruncated || b.response !== undefined,
  };
  return { ...r, outcome: { ...r.outcome, bodies } };
}

export function createRequestLog(deps: RequestLogDeps): RequestLog | undefined {
  const { config, clock, logger } = deps;
  if (config.requestLog.days === 0) return undefined;
  const dropped = new Counter({
    name: 'worv_proxy_request_log_dropped_total',
    help: 'Requests left out of the request log because its queue was full (the store was slow or away)',
    registers: [deps.registry],
  });
  const writer = openRequestLogWriter<LoggedRequest>(deps.store, {
    toRow: requestLogRow(config),
    days: config.requestLog.days,
    now: () => clock.now(),
    ...(deps.capacity !== undefined ? { capacity: deps.capacity } : {}),
    ...(config.requestLog.bodies ? { weight: bodyBytes, lighten: withoutBodies } : {}),
    ...(deps.maxBodyBytes !== undefined ? { maxWeight: deps.maxBodyBytes } : {}),
    onDropped: (n) => dropped.inc(n),
    onError: (err) => logger.warn({ err: String(err) }, 'request log: store not taking rows; they wait in memory (the oldest are dropped when full)'),
  });
  new Gauge({
    name: 'worv_proxy_request_log_queued',
    help: 'Finished requests waiting to be written to the request log',
    registers: [deps.registry],
    collect() {
      this.set(writer.stats().queued);
    },
  });
  return {
    writer,
    onRequestEnd(outcome) {
      writer.add({ outcome, endedAt: clock.now() });
    },
  };
}
