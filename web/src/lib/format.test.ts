import { describe, expect, it } from 'vitest';
import { addDays, formatDay, formatDuration, formatNumber, formatRelative, formatUtcDateTime, isoDay, NONE } from './format';

describe('format', () => {
  it('writes numbers with the locale thousands separators', () => {
    expect(formatNumber(1234567, 0, 'en-US')).toBe('1,234,567');
    expect(formatNumber(1234567, 0, 'de-DE')).toBe('1.234.567');
    expect(formatNumber(12.345, 1, 'en-US')).toBe('12.3');
    expect(formatNumber(null)).toBe(NONE);
    expect(formatNumber(Number.NaN)).toBe(NONE);
  });

  it('formats UTC day buckets as that calendar day in any time zone', () => {
    expect(formatDay('2026-11-22', 'en-GB')).toBe('22 Nov 2026');
    expect(formatDay('2026-11-22', 'en-US')).toBe('Nov 22, 2026');
  });

  it('writes an instant in UTC, saying so, whatever the browser\'s time zone', () => {
    expect(formatUtcDateTime('2027-03-01T12:30:00Z', 'en-GB')).toBe('1 Mar 2027, 12:30 UTC');
    expect(formatUtcDateTime('2027-03-01T00:30:00-08:00', 'en-GB')).toBe('1 Mar 2027, 08:30 UTC');
    expect(formatUtcDateTime(null)).toBe(NONE);
  });

  it('does calendar arithmetic on days', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(isoDay(new Date(2026, 0, 5))).toBe('2026-01-05');
  });

  it('writes durations and relative times', () => {
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(3 * 60 + 5)).toBe('3 min 5 s');
    expect(formatDuration(5 * 3600 + 12 * 60)).toBe('5 h 12 min');
    expect(formatDuration(3 * 86400 + 4 * 3600)).toBe('3 d 4 h');
    const now = Date.parse('2026-11-22T12:00:00Z');
    expect(formatRelative('2026-11-22T11:57:00Z', now, 'en')).toBe('3 minutes ago');
    expect(formatRelative('2026-11-20T12:00:00Z', now, 'en')).toBe('2 days ago');
    expect(formatRelative(null, now)).toBe(NONE);
  });
});
