import { describe, expect, it } from 'vitest';
import { createRemovedReplicas } from './removed-replicas.js';
import type { Replica } from './upstream/replicas.js';

const replica = (origin: string, outstanding: number): Replica => ({ origin, outstanding }) as unknown as Replica;

describe('removed replicas still running requests', () => {
  it('one entry per URL, its in-flight summed over the replicas removed under it, the last removed named', () => {
    const removed = createRemovedReplicas();
    const first = replica('http://a:1', 1);
    const second = replica('http://a:1', 2);
    removed.add(first, ['Kimi-K2.6']);
    removed.add(second, ['Kimi-K2.6']);
    removed.add(replica('http://b:1', 0), ['GLM-5.1']);
    expect(removed.running([]).map((r) => [r.replica === second, r.inFlight, r.models])).toEqual([[true, 3, ['Kimi-K2.6']]]);
    // In use again: the URL's row is the new replica's.
    expect(removed.running([replica('http://a:1', 0)])).toEqual([]);
    second.outstanding = 0;
    expect(removed.running([]).map((r) => [r.replica === first, r.inFlight])).toEqual([[true, 1]]);
    first.outstanding = 0;
    expect(removed.running([])).toEqual([]);
  });
});
