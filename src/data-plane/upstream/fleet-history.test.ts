import { describe, expect, it } from 'vitest';
import { routedInWindow } from '../fleet-view.js';
import { createFleetHistory } from './fleet-history.js';
import type { ReplicaState } from './fleet-state.js';
import type { Replica } from './replicas.js';

const replica = (origin: string, routed: number): Replica => ({ origin, outstanding: 0, routedBy: new Map([['session', routed]]) }) as unknown as Replica;
const STATE = { metricsFailed: true, metrics: undefined } as unknown as ReplicaState;

describe('fleet history', () => {
  it('a replica removed and added again between two rounds starts a history of its own: its window never goes below 0', () => {
    let replicas = [replica('http://gpu0:8000', 0)];
    const history = createFleetHistory({ replicas: () => replicas, state: () => STATE, size: 60 });
    history.sample();
    replicas[0]!.routedBy.set('session', 1000);
    history.sample();
    expect(history.of('http://gpu0:8000').map((s) => s.routed)).toEqual([0, 1000]);
    // Removed and added back within one round: a new replica object, counting from 0.
    replicas = [replica('http://gpu0:8000', 5)];
    history.sample();
    const samples = history.of('http://gpu0:8000');
    expect(samples.map((s) => s.routed)).toEqual([5]);
    expect(routedInWindow(samples, 7)).toBe(2);
  });
});
