/**
 * Tracing is loaded only when an OTLP endpoint is configured: the OpenTelemetry SDK is imported
 * dynamically here and nowhere else, so a gateway without tracing never loads it and its
 * data plane keeps a plain `undefined` check per request.
 */
import type { TracingConfig } from '../../core/config.js';
// Types only: erased, so this import loads nothing.
import type { Tracing, TracingOptions } from './otel.js';

export type { Tracing, TracingOptions } from './otel.js';

export async function loadTracing(config: TracingConfig | undefined, opts: TracingOptions): Promise<Tracing | undefined> {
  if (config === undefined) return undefined;
  const { createOtelTracing } = await import('./otel.js');
  return createOtelTracing(config, opts);
}
