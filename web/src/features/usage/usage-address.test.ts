import { describe, expect, it } from 'vitest';
import { usageFilterFromSearch, usageFilterToSearch } from './usage-address';

const TODAY = '2026-12-07';

describe('usage address', () => {
  it('keeps a range and key in the address, and leaves the default out', () => {
    const f = { from: '2026-11-01', to: '2026-11-30', keyId: 'k1' };
    expect(usageFilterToSearch(f, TODAY)).toBe('?from=2026-11-01&to=2026-11-30&key_id=k1');
    expect(usageFilterFromSearch('?from=2026-11-01&to=2026-11-30&key_id=k1', TODAY)).toEqual(f);
    expect(usageFilterToSearch({ from: '2026-11-08', to: TODAY, keyId: undefined }, TODAY)).toBe('');
    expect(usageFilterFromSearch('', TODAY)).toEqual({ from: '2026-11-08', to: TODAY, keyId: undefined });
  });

  it('takes the default range for a missing, malformed or reversed one, and keeps the key', () => {
    for (const search of ['?from=2026-11-01', '?from=2026-13-01&to=2026-12-01', '?from=2026-12-05&to=2026-12-01', '?from=yesterday&to=today']) {
      expect(usageFilterFromSearch(`${search}&key_id=k2`, TODAY), search).toEqual({ from: '2026-11-08', to: TODAY, keyId: 'k2' });
    }
  });
});
