import { describe, expect, it } from 'vitest';
import type { StatusResponse } from '@contract';
import { EMPTY_HISTORY, appendStatus } from './status-history';

const status = (reachable: boolean, latency: number | null, inFlight: number): StatusResponse => ({
  model: 'm',
  backend: { reachable, latency_ms: latency, model: 'm', checked_at: null },
  models: [{ id: 'm', replicas: 1, up: reachable ? 1 : 0 }],
  replicas_out: reachable ? 0 : 1,
  version: '0.1.0',
  started_at: '2026-11-22T00:00:00Z',
  uptime_seconds: 1,
  in_flight: inFlight,
  store: { reachable: true, error: null, file_problem: null, write_error: null },
  limit_counters: { where: 'process', reachable: true, error: null },
  usage_spool: { entries: 0, oldest_age_seconds: null },
});

describe('status history', () => {
  it('keeps the last points and shows an unreachable backend as a gap', () => {
    let h = EMPTY_HISTORY;
    h = appendStatus(h, status(true, 12, 1), 1000, 2);
    h = appendStatus(h, status(false, 30, 0), 2000, 2);
    h = appendStatus(h, status(true, 8, 4), 3000, 2);
    expect(h).toEqual({ x: [2, 3], latency: [null, 8], inFlight: [0, 4] });
  });
});
