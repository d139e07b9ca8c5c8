import { describe, expect, it } from 'vitest';
import { busiest } from './routing-run.js';

describe('busiest: the replica the fleet benchmark hangs', () => {
  it('is the one with the most requests in flight, the killed one aside', () => {
    expect(busiest([3, 5, 2, 4], 1)).toBe(3);
    expect(busiest([7, undefined, 0], 1)).toBe(0);
  });

  it('is replica 2 on a tie, and when no replica answered', () => {
    expect(busiest([0, 0, 0, 0], 1)).toBe(2);
    expect(busiest([1, 0, 1], 1)).toBe(2);
    expect(busiest([undefined, undefined, undefined], 1)).toBe(2);
  });
});
