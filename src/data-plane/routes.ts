/**
 * Entry of the /v1 data plane: a plain node:http handler (the hot path does not go through
 * the web framework's routing). Placeholder until the pipeline lands.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../core/config.js';
import type { Clock } from '../core/clock.js';
import type { KeyLookup, UsageSink } from './context.js';

export interface DataPlaneDeps {
  readonly config: Config;
  readonly keys: KeyLookup;
  readonly usage: UsageSink;
  readonly clock: Clock;
}

export interface DataPlane {
  /** Handle one request whose path starts with /v1. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Requests currently being served. */
  inFlight(): number;
  /** Release upstream connection pools. */
  close(): Promise<void>;
}

export function createDataPlane(_deps: DataPlaneDeps): DataPlane {
  return {
    handle(_req, res) {
      res.writeHead(501, { 'content-type': 'application/json' }).end('{"error":"not implemented"}');
    },
    inFlight: () => 0,
    close: () => Promise.resolve(),
  };
}
