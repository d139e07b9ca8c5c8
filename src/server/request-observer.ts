/**
 * Where a finished /v1 request goes besides the store (metrics, the request log's queue), and
 * what a log line says about it: its outcome, never the client's headers
 * (they carry API keys and cookies), its address or its bodies. The request log in the store is
 * the place for those, behind the admin login.
 */
import type { Logger } from 'pino';
import type { RequestObserver, RequestOutcome } from '../data-plane/context.js';
import type { GatewayMetrics } from './metrics.js';

export type RequestLogLine = Pick<
  RequestOutcome,
  'requestId' | 'endpoint' | 'method' | 'status' | 'result' | 'error' | 'cause' | 'durationMs' | 'ttfbMs' | 'stream' | 'keyId' | 'model' | 'requestedModel' | 'backend' | 'usage'
>;

export function requestLogLine(o: RequestOutcome): RequestLogLine {
  return {
    requestId: o.requestId,
    endpoint: o.endpoint,
    method: o.method,
    status: o.status,
    result: o.result,
    error: o.error,
    cause: o.cause,
    durationMs: Math.round(o.durationMs * 10) / 10,
    ttfbMs: o.ttfbMs === undefined ? undefined : Math.round(o.ttfbMs * 10) / 10,
    stream: o.stream,
    keyId: o.keyId,
    model: o.model,
    requestedModel: o.requestedModel,
    backend: o.backend,
    usage: o.usage,
  };
}

/**
 * Every finished /v1 request feeds the metrics; failures also get a warn line, and with
 * LOG_LEVEL=debug every request gets an access line (kept off the default level because a
 * log write per request is measurable on the hot path).
 */
export function requestObserver(metrics: GatewayMetrics, logger: Logger, log: RequestObserver | undefined): RequestObserver {
  return {
    onRequestEnd(o) {
      metrics.onRequestEnd(o);
      log?.onRequestEnd(o);
      if (o.status >= 500 || o.result === 'upstream-error') logger.warn({ req: requestLogLine(o) }, failureMessage(o));
      else if (logger.isLevelEnabled('debug')) logger.debug({ req: requestLogLine(o) }, 'request');
    },
  };
}

/**
 * A failure of the gateway's own (the store or the limit counters unreachable, an internal
 * error) is not the backend's: its line must not send an operator to the backends.
 */
function failureMessage(o: RequestOutcome): string {
  return o.result === 'upstream-error' || o.error === undefined || o.error.startsWith('upstream_') ? 'upstream request failed' : 'request failed';
}
