import { describe, expect, it } from 'vitest';
import { Ring, ringPosition } from './bounded-hash.js';

const names = ['http://a:1', 'http://b:1', 'http://c:1', 'http://d:1'];
const keys = Array.from({ length: 2000 }, (_, i) => `session-${i}`);

describe('Ring (consistent hashing with bounded loads)', () => {
  it('spreads keys about evenly and sends a key to the same member every time', () => {
    const ring = new Ring(names, (n) => n);
    const counts = new Map<string, number>();
    for (const k of keys) {
      const m = ring.pick(ringPosition(k), () => 0, 1.25, 2) as string;
      counts.set(m, (counts.get(m) ?? 0) + 1);
      expect(ring.pick(ringPosition(k), () => 0, 1.25, 2)).toBe(m);
      // Unloaded, the pick is the key's own member.
      expect(ring.home(ringPosition(k))).toBe(m);
    }
    for (const n of names) expect(counts.get(n)).toBeGreaterThan(300);
  });

  it('a member leaving moves only its own keys', () => {
    const full = new Ring(names, (n) => n);
    const less = new Ring(names.filter((n) => n !== 'http://c:1'), (n) => n);
    for (const k of keys) {
      const before = full.pick(ringPosition(k), () => 0, 1.25, 2);
      const after = less.pick(ringPosition(k), () => 0, 1.25, 2);
      if (before !== 'http://c:1') expect(after).toBe(before);
    }
  });

  it('passes a key on when its member is above factor × the mean, else the least loaded', () => {
    const ring = new Ring(names, (n) => n);
    const pos = ringPosition('hot');
    const owner = ring.pick(pos, () => 0, 1.25, 2) as string;
    const load = new Map(names.map((n) => [n, 2]));
    load.set(owner, 4);
    const next = ring.pick(pos, (m) => load.get(m) ?? 0, 1.25, 2);
    expect(next).not.toBe(owner);
    expect(ring.home(pos)).toBe(owner);
    // Owner at 3 of total 9: bound 1.25 × 10 / 4 = 3.125 → 3 + 1 is over, 2 + 1 is within.
    load.set(owner, 3);
    expect(ring.pick(pos, (m) => load.get(m) ?? 0, 1.25, 2)).not.toBe(owner);
    // All equal: the owner keeps it.
    expect(ring.pick(pos, () => 5, 1.25, 2)).toBe(owner);
  });

  it('a member keeps its keys up to `hold` in flight, the new request counted, whatever the mean', () => {
    const ring = new Ring(names, (n) => n);
    const pos = ringPosition('agent-session');
    const owner = ring.pick(pos, () => 0, 1.25, 4) as string;
    const at = (n: number) => (m: string): number => (m === owner ? n : 0);
    // Owner at 3, the others idle: mean with this request 1, factor bound 1.25; 3 + 1 is within 4.
    expect(ring.pick(pos, at(3), 1.25, 4)).toBe(owner);
    // At 4 it is over both bounds: the key goes on along the ring.
    expect(ring.pick(pos, at(4), 1.25, 4)).not.toBe(owner);
    // The same load with hold 2 already moves on; with hold 8 it stays.
    expect(ring.pick(pos, at(1), 1.25, 2)).toBe(owner);
    expect(ring.pick(pos, at(2), 1.25, 2)).not.toBe(owner);
    expect(ring.pick(pos, at(7), 1.25, 8)).toBe(owner);
    // A member that is busy otherwise gets no hold: the mean's bound alone decides.
    expect(ring.pick(pos, at(1), 1.25, 4, (m) => m === owner)).not.toBe(owner);
    expect(ring.pick(pos, at(1), 1.25, 4, (m) => m !== owner)).toBe(owner);
    // Above `hold`, factor × the mean still decides: owner at 10, the others at 9 (mean with
    // this request 9.5, bound 11.9), so 10 + 1 is within.
    expect(ring.pick(pos, (m) => (m === owner ? 10 : 9), 1.25, 4)).toBe(owner);
  });
});
