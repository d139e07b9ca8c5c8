/**
 * One SERVER span per /v1 request: started from the caller's `traceparent`/`tracestate` when it
 * sent them, handed to the backend as the parent of its own spans, and ended with the request's
 * outcome as GenAI attributes (attributes.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api';
import type { RequestOutcome, RequestSpan, RequestTracer, TraceDetails } from '../../data-plane/context.js';
import { serverAddress, spanAttributes, spanName, type ServerAddress } from './attributes.js';

/** Renamed at the end, once the endpoint and model are known. */
const PROVISIONAL_NAME = 'worv-proxy /v1';

class OtelRequestSpan implements RequestSpan {
  readonly upstreamHeaders: readonly string[];

  constructor(
    private readonly span: Span,
    upstreamHeaders: readonly string[],
    private readonly addresses: (origin: string) => ServerAddress | undefined,
  ) {
    this.upstreamHeaders = upstreamHeaders;
  }

  end(outcome: RequestOutcome, details: TraceDetails): void {
    const span = this.span;
    if (span.isRecording()) {
      const origin = outcome.backend;
      const attrs = spanAttributes(outcome, details, origin === undefined ? undefined : this.addresses(origin));
      span.updateName(spanName(outcome));
      span.setAttributes(attrs);
      const err = attrs['error.type'];
      if (err !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
    }
    span.end();
  }
}

export function createRequestTracer(tracer: Tracer, propagator: TextMapPropagator): RequestTracer {
  // Replica origins are few and fixed: parse each once.
  const addresses = new Map<string, ServerAddress | undefined>();
  const addressOf = (origin: string): ServerAddress | undefined => {
    if (!addresses.has(origin)) addresses.set(origin, serverAddress(origin));
    return addresses.get(origin);
  };
  return {
    start(headers: IncomingHttpHeaders): RequestSpan {
      const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
      const span = tracer.startSpan(PROVISIONAL_NAME, { kind: SpanKind.SERVER }, parent);
      const carrier: Record<string, string> = {};
      propagator.inject(trace.setSpan(parent, span), carrier, defaultTextMapSetter);
      const upstream: string[] = [];
      for (const name in carrier) upstream.push(name, carrier[name] as string);
      return new OtelRequestSpan(span, upstream, addressOf);
    },
  };
}
