/**
 * The OpenTelemetry SDK behind the RequestTracer port: one tracer provider with a batch span
 * processor exporting OTLP/HTTP JSON, and the W3C trace-context propagator. Imported only by
 * load.ts, and only when tracing is configured.
 */
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { setGlobalErrorHandler, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../../core/config.js';
import type { RequestTracer } from '../../data-plane/context.js';
import { createRequestTracer } from './request-span.js';

export interface Tracing {
  readonly tracer: RequestTracer;
  /** Exports the spans still queued and stops (graceful shutdown). */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  readonly serviceVersion: string;
  /** Export failures and SDK warnings. */
  readonly warn: (message: string) => void;
}

/** The SDK's own complaints (an export that failed, a bad OTEL_* value) go to the gateway's log. */
function diagLogger(warn: (message: string) => void): DiagLogger {
  const say = (message: string, ...args: unknown[]): void => warn(['opentelemetry:', message, ...args.map(String)].join(' '));
  const quiet = (): void => undefined;
  return { error: say, warn: say, info: quiet, debug: quiet, verbose: quiet };
}

/** An export failure as one short line: the error's message, not its JSON-encoded stack. */
function exportFailure(warn: (message: string) => void, tracesUrl: string): (ex: unknown) => void {
  return (ex) => {
    const message = ex instanceof Error ? ex.message : typeof ex === 'string' ? ex : JSON.stringify(ex);
    warn(`opentelemetry: spans not exported to ${tracesUrl}: ${message}`);
  };
}

export function createOtelTracing(config: TracingConfig, opts: TracingOptions): Tracing {
  diag.setLogger(diagLogger(opts.warn), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  const where = new URL(config.tracesUrl);
  setGlobalErrorHandler(exportFailure(opts.warn, `${where.origin}${where.pathname}`));
  // Headers, timeout and compression come from the standard OTEL_EXPORTER_OTLP_* variables.
  const exporter = new OTLPTraceExporter({ url: config.tracesUrl });
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName, [ATTR_SERVICE_VERSION]: opts.serviceVersion }),
    ),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('worv-proxy', opts.serviceVersion);
  return {
    tracer: createRequestTracer(tracer, new W3CTraceContextPropagator()),
    shutdown: () => provider.shutdown(),
  };
}
