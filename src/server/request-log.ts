/**
 * The request log's place in the gateway: a RequestObserver that queues each finished /v1
 * request for the batched writer (store/request-log-writer.ts), and the writer's Prometheus
 * series. Off when REQUEST_LOG_DAYS=0. Rows the store had not taken when a gateway stopped are
 * kept in the spool folder and inserted by the next start (store/request-log-spill.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { RequestObserver } from '../data-plane/context.js';
import type { Store } from '../store/db.js';
import { replayRequestLogSpills, spillRequestLog, type SpillPlace, type SpillReplay } from '../store/request-log-spill.js';
import { getOrCreateSetting } from '../store/settings.repo.js';
import { openRequestLogWriter, type RequestLogWriter } from '../store/request-log-writer.js';
import { requestLogRow, type LoggedRequest } from './request-log-row.js';
import { spoolPlace } from './spool-place.js';

export interface RequestLog extends RequestObserver {
  readonly writer: RequestLogWriter<LoggedRequest>;
  /** Waits for an insert of rows left by a stopped gateway under way, then writes what is queued (best effort). */
  close(): Promise<void>;
  /**
   * At shutdown: writes the rows still queued to the spool folder (not a batch still being
   * written: the store may yet commit it). What was kept and where, or why nothing could be.
   */
  spillQueued(): { readonly kept: number; readonly path?: string; readonly why?: string };
}

/** How soon a failed insert of rows left by a stopped gateway is tried again. */
const SPILL_RETRY_MS = 60_000;

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
  const { spoolDir, spoolPrefix } = spoolPlace(config, deps.store);
  // Files name their store: a spool folder two stores share keeps each one's rows apart.
  let place: SpillPlace | undefined;
  let replaying: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  const replaySpills = async (): Promise<void> => {
    if (spoolDir === undefined) return;
    const done: SpillReplay = await (async () => {
      place ??= { dir: spoolDir, prefix: spoolPrefix, storeId: await getOrCreateSetting(deps.store.db, 'store_id', () => randomUUID()) };
      return replayRequestLogSpills(deps.store, place, () => clock.now());
    })().catch((error: unknown) => ({ inserted: [], error }));
    for (const f of done.inserted) {
      if (f.before === true) logger.info(`request log: ${f.path} had been written before (its gateway stopped before deleting it): deleted`);
      else logger.info(`request log: ${f.rows} row(s) left by a stopped gateway written from ${f.path}`);
    }
    if (done.error === undefined) return;
    logger.warn({ err: done.error instanceof Error ? done.error.message : JSON.stringify(done.error) }, `request log: rows left by a stopped gateway not written yet; retrying in ${SPILL_RETRY_MS / 1000} s`);
    retry = setTimeout(() => void (replaying = replaySpills()), SPILL_RETRY_MS);
    retry.unref();
  };
  replaying = replaySpills();
  return {
    writer,
    onRequestEnd(outcome) {
      writer.add({ outcome, endedAt: clock.now() });
    },
    async close() {
      clearTimeout(retry);
      await replaying;
      await writer.close();
    },
    spillQueued() {
      if (spoolDir === undefined) return { kept: 0, why: 'the store is in memory' };
      if (place === undefined) return { kept: 0, why: "the store's id was never read" };
      const rows = writer.takeQueued();
      return rows.length === 0 ? { kept: 0 } : { kept: rows.length, path: spillRequestLog(place, rows, clock.now()) };
    },
  };
}
