/**
 * What a log line says about a finished /v1 request: its outcome, never the client's headers
 * (they carry API keys and cookies), its address or its bodies. The request log in the store is
 * the place for those, behind the admin login.
 */
import type { RequestOutcome } from '../data-plane/context.js';

export type RequestLogLine = Pick<
  RequestOutcome,
  'endpoint' | 'method' | 'status' | 'result' | 'error' | 'durationMs' | 'ttfbMs' | 'stream' | 'keyId' | 'model' | 'requestedModel' | 'backend' | 'usage'
>;

export function requestLogLine(o: RequestOutcome): RequestLogLine {
  return {
    endpoint: o.endpoint,
    method: o.method,
    status: o.status,
    result: o.result,
    error: o.error,
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
