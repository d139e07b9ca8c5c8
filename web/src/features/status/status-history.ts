/**
 * A short client-side history of the status page's polls (latency, in-flight), so the page
 * can draw the last few minutes without the server keeping anything.
 */
import type { StatusResponse } from '@contract';

/** Aligned columns for the live chart. */
export interface StatusHistory {
  readonly x: number[];
  readonly latency: (number | null)[];
  readonly inFlight: number[];
}

export const EMPTY_HISTORY: StatusHistory = { x: [], latency: [], inFlight: [] };

/** `history` plus one poll taken at `atMs`, keeping at most `limit` points. */
export function appendStatus(history: StatusHistory, status: StatusResponse, atMs: number, limit = 120): StatusHistory {
  const keep = (a: readonly (number | null)[]) => a.slice(Math.max(0, a.length + 1 - limit));
  return {
    x: [...keep(history.x), atMs / 1000] as number[],
    latency: [...keep(history.latency), status.backend.reachable ? status.backend.latency_ms : null],
    inFlight: [...keep(history.inFlight), status.in_flight] as number[],
  };
}
