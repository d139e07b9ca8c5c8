import { describe, expect, it } from 'vitest';
import { createFleetRouting, type RouteReason } from './fleet-routing.js';
import type { FleetState, ReplicaState } from './fleet-state.js';
import { releaseSlot, routedTotal, type CallFacts, type Replica } from './replicas.js';
import type { RouteHints } from './route-hints.js';

function replicas(n: number): Replica[] {
  return Array.from({ length: n }, (_, i) => ({ origin: `http://gpu${i}:8000`, outstanding: 0, failures: 0, coolUntil: 0, answerCoolUntil: 0, routedBy: new Map() }) as unknown as Replica);
}

/** A fleet whose probes found every replica answering and serving GLM-5.1. */
function stateOf(list: readonly Replica[]): FleetState {
  const ok = { hung: false, silent: false, refused: false, probation: false, seenAt: 0, problem: undefined, metricsFailed: false, listingFailed: false, models: ['GLM-5.1'] };
  return { servers: () => list, state: () => ok as unknown as ReplicaState, states: () => [] } as unknown as FleetState;
}

function relay(route: Partial<RouteHints>): CallFacts {
  return { purpose: 'relay', endpoint: 'chat', route: { model: 'GLM-5.1', session: undefined, prefix: undefined, previousResponseId: undefined, ...route } };
}

/** The replicas that were routed to, by how. */
function routedBy(list: readonly Replica[]): Record<string, Partial<Record<RouteReason, number>>> {
  const out: Record<string, Partial<Record<RouteReason, number>>> = {};
  for (const r of list) if (r.routedBy.size > 0) out[r.origin] = Object.fromEntries(r.routedBy);
  return out;
}

describe('fleet routing: how each replica was chosen', () => {
  it('session, spilled past a replica over its bound, prefix, least in flight; the gateway\'s own calls are not counted', () => {
    const list = replicas(3);
    const routing = createFleetRouting({ state: stateOf(list), loadFactor: 1.25, hold: () => 4, affinity: true });
    const home = routing.pick(list, relay({ session: 's' }), undefined, 0)!;
    expect(routedBy(list)).toEqual({ [home.origin]: { session: 1 } });
    // Its replica at the hold (4 + 1 is over it, and over 1.25 × the mean): the next one takes it.
    home.outstanding = 4;
    const next = routing.pick(list, relay({ session: 's' }), undefined, 0)!;
    expect(next).not.toBe(home);
    expect(routedBy(list)[next.origin]).toEqual({ spilled: 1 });
    home.outstanding = 0;
    const byPrefix = routing.pick(list, relay({ prefix: 42 }), undefined, 0)!;
    const plain = routing.pick(list, relay({}), undefined, 0)!;
    routing.pick(list, { ...relay({ session: 's' }), purpose: 'tokenize' }, undefined, 0);
    const all = routedBy(list);
    expect(all[byPrefix.origin]?.prefix).toBe(1);
    expect(all[plain.origin]?.least_in_flight).toBe(1);
    const total = Object.values(all).flatMap((m) => Object.values(m)).reduce((a, b) => a + b, 0);
    expect(total).toBe(4);
    expect(list.map(routedTotal).reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('a session whose replica is cooling down goes to the one usable replica as its session, not spilled; none usable: fallback', () => {
    const list = replicas(2);
    const routing = createFleetRouting({ state: stateOf(list), loadFactor: 1.25, hold: () => 4, affinity: true });
    const home = routing.pick(list, relay({ session: 's' }), undefined, 0)!;
    const other = list.find((r) => r !== home)!;
    home.coolUntil = 1000;
    expect(routing.pick(list, relay({ session: 's' }), undefined, 0)).toBe(other);
    expect(routedBy(list)[other.origin]).toEqual({ session: 1 });
    other.coolUntil = 500;
    // Nothing usable: the one back soonest.
    expect(routing.pick(list, relay({ session: 's' }), undefined, 0)).toBe(other);
    expect(routedBy(list)[other.origin]).toEqual({ session: 1, fallback: 1 });
  });

  it('routeOf: the reason of a relay\'s latest pick, for the replica picked; none for another replica or the gateway\'s own calls', () => {
    const list = replicas(2);
    const routing = createFleetRouting({ state: stateOf(list), loadFactor: 1.25, hold: () => 4, affinity: true });
    const facts = relay({ session: 's' });
    const home = routing.pick(list, facts, undefined, 0)!;
    const other = list.find((r) => r !== home)!;
    expect(routing.routeOf(facts, home.origin)).toBe('session');
    // The retry after its replica failed: the other one, as the session's among those left.
    expect(routing.pick(list, facts, home, 0)).toBe(other);
    expect(routing.routeOf(facts, other.origin)).toBe('session');
    // Picked but never sent (the client left first): the row names the replica that was, with no route.
    expect(routing.routeOf(facts, home.origin)).toBeUndefined();
    expect(routing.routeOf(facts, undefined)).toBeUndefined();
    const probe: CallFacts = { purpose: 'tokenize', endpoint: 'chat', route: facts.route };
    routing.pick(list, probe, undefined, 0);
    expect(routing.routeOf(probe, home.origin)).toBeUndefined();
  });

  it('one replica for the model: only; PROXY_ROUTING=least-in-flight: least_in_flight whatever the session', () => {
    const one = replicas(1);
    const single = createFleetRouting({ state: stateOf(one), loadFactor: 1.25, hold: () => 4, affinity: true });
    single.pick(one, relay({ session: 's' }), undefined, 0);
    expect(routedBy(one)).toEqual({ 'http://gpu0:8000': { only: 1 } });
    const list = replicas(3);
    const plain = createFleetRouting({ state: stateOf(list), loadFactor: 1.25, hold: () => 4, affinity: false });
    for (let i = 0; i < 3; i++) plain.pick(list, relay({ session: 's' }), undefined, 0);
    expect(Object.values(routedBy(list))).toEqual([{ least_in_flight: 3 }]);
  });

  it('fair-queue slots: a replica that runs its cap is passed over while another has room (spilled); the slots move with a retry and go back once', () => {
    const list = replicas(3);
    for (const r of list) r.queued = 0;
    const routing = createFleetRouting({ state: stateOf(list), loadFactor: 1.25, hold: () => 8, affinity: true });
    const slotted = (sequences: number, route: Partial<RouteHints>): CallFacts => ({ ...relay(route), slot: { sequences, cap: 2, replica: undefined, released: false } });
    const first = slotted(2, { prefix: 7 });
    const home = routing.pick(list, first, undefined, 0)!;
    expect(home.queued).toBe(2);
    // Within the hold of 8 requests, but its 2 sequences are placed: the next replica on the ring.
    const second = slotted(1, { prefix: 7 });
    const next = routing.pick(list, second, undefined, 0)!;
    expect(next).not.toBe(home);
    expect(routedBy(list)[next.origin]).toEqual({ spilled: 1 });
    // A retry after `next` failed: its slot moves to the replica of the retry.
    const retry = routing.pick(list, second, next, 0)!;
    expect(retry).not.toBe(next);
    expect(next.queued).toBe(0);
    expect(retry.queued).toBe(retry === home ? 3 : 1);
    releaseSlot(second.slot!);
    releaseSlot(second.slot!);
    expect(list.map((r) => r.queued).reduce((a, b) => a + b, 0)).toBe(2);
    // Without slots (a request that holds none) the hold keeps the prefix home.
    expect(routing.pick(list, relay({ prefix: 7 }), undefined, 0)).toBe(home);
    // Least in flight prefers a replica with room.
    for (const r of list) r.outstanding = r === home ? 0 : 5;
    expect(routing.pick(list, slotted(1, {}), undefined, 0)).not.toBe(home);
  });
});
