import { describe, expect, it } from 'vitest';
import { isoTime, utcDay } from './clock.js';

describe('utcDay', () => {
  it('is the UTC calendar day, across midnight, backwards in time and before 1970', () => {
    const midnight = Date.UTC(2026, 10, 22);
    expect(utcDay(midnight - 1)).toBe('2026-11-21');
    expect(utcDay(midnight)).toBe('2026-11-22');
    expect(utcDay(midnight + 86_400_000 - 1)).toBe('2026-11-22');
    expect(utcDay(midnight + 86_400_000)).toBe('2026-11-23');
    // The cached day must not answer for an earlier instant.
    expect(utcDay(midnight - 1)).toBe('2026-11-21');
    expect(utcDay(-1)).toBe('1969-12-31');
    expect(utcDay(0)).toBe('1970-01-01');
    expect(utcDay(Date.UTC(2024, 1, 29, 23, 59, 59, 999))).toBe('2024-02-29');
  });

  it('agrees with toISOString at many instants', () => {
    let t = Date.UTC(2025, 0, 1);
    for (let i = 0; i < 2000; i++) {
      t += 3_600_000 * 7 + 12_345;
      expect(utcDay(t)).toBe(new Date(t).toISOString().slice(0, 10));
      expect(isoTime(t)).toBe(new Date(t).toISOString());
    }
  });

  it('throws on an invalid instant, as Date does', () => {
    expect(() => utcDay(Number.NaN)).toThrow(RangeError);
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });
});

describe('isoTime', () => {
  it('is toISOString within one second, across seconds, backwards, before 1970 and for fractions', () => {
    const base = Date.UTC(2026, 10, 22, 8, 59, 59);
    const instants = [base, base + 1, base + 9, base + 10, base + 99, base + 100, base + 999, base + 1000, base + 999.7,
      base - 1, base + 1000, base + 1001, 0, -1, -999, -1000, -1001, 0.5, -0.5, -1, -1000.5, -1001, Date.UTC(1999, 11, 31, 23, 59, 59, 999), Date.UTC(2000, 0, 1)];
    for (const t of instants) expect(isoTime(t)).toBe(new Date(t).toISOString());
  });

  it('agrees with toISOString over a run of consecutive milliseconds', () => {
    const start = Date.UTC(2026, 0, 1) - 1500;
    for (let t = start; t < start + 3000; t += 1) expect(isoTime(t)).toBe(new Date(t).toISOString());
  });
});
