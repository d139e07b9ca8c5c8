import type { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { healthOf, routedInWindow } from './fleet-view.js';
import { hitRate, type HistorySample } from './upstream/fleet-history.js';
import type { ReplicaState } from './upstream/fleet-state.js';

function state(over: Partial<ReplicaState> = {}, replica: Partial<ReplicaState['replica']> = {}): ReplicaState {
  return {
    replica: { origin: 'http://a:1', pool: undefined as unknown as Pool, outstanding: 0, failures: 0, coolUntil: 0, failedAnswers: 0, answerCoolUntil: 0, failedStatus: 0, answers: [0, 0, 0, 0, 0, 0], retried: new Map(), routedBy: new Map(), waiting: new Set(), queued: 0, ...replica },
    models: [{ id: 'm', maxModelLen: undefined, raw: {} }],
    listing: undefined,
    listedAt: 1,
    relistedAt: -Infinity,
    relisting: false,
    listingFailed: false,
    metrics: { running: 0, waiting: 0, kvCacheUsage: 0, prefixCacheQueries: 0, prefixCacheHits: 0, generationTokens: 0 },
    metricsFailed: false,
    silent: false,
    refused: false,
    problem: undefined,
    seenAt: 1000,
    hung: false,
    probation: false,
    lastGeneration: 0,
    lastKvUsage: undefined,
    progressAt: 0,
    ...over,
  };
}

describe('healthOf', () => {
  const NOW = 100_000;
  it('up, with no reason, when both probes answer', () => {
    expect(healthOf(state(), NOW, 30_000)).toEqual({ health: 'up', reason: null });
  });
  it('up on probation after a hang, saying it takes one request at a time', () => {
    expect(healthOf(state({ probation: true }), NOW, 30_000)).toEqual({ health: 'up', reason: 'was hung, and nothing runs on it now; one request at a time until it generates a token' });
  });
  it('starting before the first probe; down when it failed', () => {
    expect(healthOf(state({ seenAt: undefined }), NOW, 30_000)).toEqual({ health: 'starting', reason: 'not probed yet' });
    expect(healthOf(state({ seenAt: undefined, problem: 'GET /metrics: connection refused' }), NOW, 30_000)).toEqual({
      health: 'down',
      reason: 'GET /metrics: connection refused',
    });
  });
  it('cooldown after refused connections, with the count and the wait', () => {
    expect(healthOf(state({}, { failures: 2, coolUntil: NOW + 1500 }), NOW, 30_000)).toEqual({
      health: 'cooldown',
      reason: 'connection failed on 2 attempts in a row (requests and probes); no new request for 2 s, or until a probe is answered',
    });
    expect(healthOf(state({ problem: 'GET /metrics: ENOTFOUND' }, { failures: 4, coolUntil: NOW + 1500 }), NOW, 30_000)).toEqual({
      health: 'cooldown',
      reason: 'connection failed on 4 attempts in a row (requests and probes) (GET /metrics: ENOTFOUND); no new request for 2 s, or until a probe is answered',
    });
  });
  it('down, not cooldown, when its probes get no answer while refused connections renew its cooldown', () => {
    const problem = 'GET /metrics: connection refused; GET /v1/models: connection refused';
    expect(healthOf(state({ silent: true, refused: true, metricsFailed: true, listingFailed: true, problem }, { failures: 78, coolUntil: NOW + 30_000 }), NOW, 30_000)).toEqual({
      health: 'down',
      reason: problem,
    });
  });
  it('cooldown after failing answers another replica served, with their count and status (its probes succeed)', () => {
    expect(healthOf(state({}, { failedAnswers: 4, failedStatus: 500, answerCoolUntil: NOW + 9_500 }), NOW, 30_000)).toEqual({
      health: 'cooldown',
      reason: 'answered 4 requests in a row with 500 that another replica then served; no new request for 10 s',
    });
    expect(healthOf(state({}, { failedAnswers: 3, failedStatus: 403, answerCoolUntil: NOW + 4_000 }), NOW, 30_000).reason).toBe(
      "answered 3 requests in a row with 403 that another replica then served: it refuses the gateway's VLLM_API_KEY; no new request for 4 s",
    );
    // Past its end, or with no run, the replica is up.
    expect(healthOf(state({}, { failedAnswers: 3, failedStatus: 500, answerCoolUntil: NOW - 1 }), NOW, 30_000).health).toBe('up');
  });
  it('hung with the requests running and the seconds without a token', () => {
    const s = state({ hung: true, progressAt: NOW - 42_000, metrics: { running: 3, waiting: 1, kvCacheUsage: 0.5, prefixCacheQueries: 0, prefixCacheHits: 0, generationTokens: 9 } });
    expect(healthOf(s, NOW, 30_000)).toEqual({ health: 'hung', reason: '3 request(s) running and no token generated for 42 s; no new requests until it moves' });
  });
  it('down when both probes fail after it was seen; up with a note without /metrics', () => {
    expect(healthOf(state({ metricsFailed: true, listingFailed: true, problem: 'GET /metrics: timed out; GET /v1/models: timed out' }), NOW, 30_000)).toEqual({
      health: 'down',
      reason: 'GET /metrics: timed out; GET /v1/models: timed out',
    });
    // No answer at all to /metrics, the listing not due yet: down (it gets no new request).
    expect(healthOf(state({ metricsFailed: true, silent: true, problem: 'GET /metrics: timed out' }), NOW, 30_000)).toEqual({
      health: 'down',
      reason: 'GET /metrics: timed out',
    });
    expect(healthOf(state({ metricsFailed: true, problem: 'GET /metrics answered 404' }), NOW, 30_000)).toEqual({
      health: 'up',
      reason: 'GET /metrics answered 404 (never judged hung)',
    });
  });
});

describe('hitRate', () => {
  it('hits over queries between two readings; from zero after a restart; none without queries', () => {
    expect(hitRate(100, 200, 160, 300)).toBe(0.6);
    expect(hitRate(100, 200, 5, 10)).toBe(0.5);
    expect(hitRate(100, 200, 100, 200)).toBeUndefined();
    expect(hitRate(undefined, undefined, undefined, 10)).toBeUndefined();
  });
});

describe('routedInWindow', () => {
  const sample = (routed: number): HistorySample => ({ at: 0, inFlight: 0, running: 0, waiting: 0, kvCacheUsage: 0, prefixHits: 0, prefixQueries: 0, prefixHitRate: undefined, routed });
  it('counts from the oldest sample, even when it is the only one (a replica added again starts a fresh history)', () => {
    expect(routedInWindow([sample(262)], 262)).toBe(0);
    expect(routedInWindow([sample(262)], 270)).toBe(8);
    expect(routedInWindow([sample(10), sample(20), sample(27)], 37)).toBe(27);
  });
  it('counts none before the first sample (the count since start may be from before a removal)', () => {
    expect(routedInWindow([], 5)).toBe(0);
  });
});
