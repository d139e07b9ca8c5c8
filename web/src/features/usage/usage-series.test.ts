import { describe, expect, it } from 'vitest';
import type { UsageResponse } from '@contract';
import { MAX_CHART_DAYS, dailySeries, daysBetween, keyRows, usageCsv } from './usage-series';

const usage: UsageResponse = {
  from: '2026-11-20',
  to: '2026-11-23',
  key_id: null,
  totals: { requests: 6, prompt_tokens: 600, completion_tokens: 300, cached_tokens: 120, reasoning_tokens: 40 },
  daily: [
    { date: '2026-11-20', requests: 1, prompt_tokens: 100, completion_tokens: 50, cached_tokens: 20, reasoning_tokens: 10 },
    { date: '2026-11-22', requests: 5, prompt_tokens: 500, completion_tokens: 250, cached_tokens: 100, reasoning_tokens: 30 },
  ],
  days: [
    { date: '2026-11-20', key_id: 'a', requests: 1, prompt_tokens: 100, completion_tokens: 50, cached_tokens: 20, reasoning_tokens: 10 },
    { date: '2026-11-22', key_id: 'a', requests: 2, prompt_tokens: 200, completion_tokens: 100, cached_tokens: 100, reasoning_tokens: 30 },
    { date: '2026-11-22', key_id: 'b', requests: 3, prompt_tokens: 300, completion_tokens: 150, cached_tokens: 0, reasoning_tokens: 0 },
  ],
  keys: [
    { key_id: 'a', name: 'ci, "nightly"', key_prefix: 'sk-aaaa', requests: 3, prompt_tokens: 300, completion_tokens: 150, cached_tokens: 120, reasoning_tokens: 40, rate_limited: 2 },
    { key_id: 'b', name: null, key_prefix: null, requests: 3, prompt_tokens: 300, completion_tokens: 150, cached_tokens: 0, reasoning_tokens: 0, rate_limited: 0 },
  ],
};

describe('usage series', () => {
  it('has one point per day of the range, zeros where nothing happened', () => {
    const s = dailySeries(usage);
    expect(s.days).toEqual(['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23']);
    expect(s.prompt).toEqual([100, 0, 500, 0]);
    expect(s.completion).toEqual([50, 0, 250, 0]);
    expect(s.requests).toEqual([1, 0, 5, 0]);
    expect(s.cached).toEqual([20, 0, 100, 0]);
    expect(s.reasoning).toEqual([10, 0, 30, 0]);
    expect(s.x[1]! - s.x[0]!).toBe(86_400);
    expect(daysBetween('2026-12-31', '2027-01-01')).toEqual(['2026-12-31', '2027-01-01']);
  });

  it('draws the newest days of a range longer than the chart holds, ending on its last day', () => {
    const days = daysBetween('1990-01-01', '2026-12-07');
    expect([days.length, days[0], days.at(-1)]).toEqual([MAX_CHART_DAYS, '2016-11-30', '2026-12-07']);
    const s = dailySeries({ ...usage, from: '1990-01-01', to: '2026-11-23' });
    expect([s.days.at(-1), s.prompt.at(-4), s.prompt.at(-2)]).toEqual(['2026-11-23', 100, 500]);
  });

  it('ranks keys by tokens with their share', () => {
    const rows = keyRows({ ...usage, keys: [...usage.keys, { key_id: 'c', name: 'big', key_prefix: 'sk-c', requests: 1, prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, reasoning_tokens: 0, rate_limited: 0 }] });
    expect(rows.map((r) => r.keyId)).toEqual(['a', 'b', 'c']);
    expect(rows[0]!.share).toBeCloseTo(0.5);
    expect(rows[2]!.share).toBe(0);
  });

  it('exports RFC 4180 CSV with key names, quoting where needed', () => {
    expect(usageCsv(usage).split('\r\n')).toEqual([
      'date,key_id,key_name,key_prefix,requests,prompt_tokens,completion_tokens,total_tokens,cached_tokens,reasoning_tokens',
      '2026-11-20,a,"ci, ""nightly""",sk-aaaa,1,100,50,150,20,10',
      '2026-11-22,a,"ci, ""nightly""",sk-aaaa,2,200,100,300,100,30',
      '2026-11-22,b,,,3,300,150,450,0,0',
      '',
    ]);
  });

  it('neutralises names a spreadsheet would run as formulas', () => {
    const csv = usageCsv({ ...usage, keys: [{ ...usage.keys[0]!, name: '=HYPERLINK("x")' }] });
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
  });
});
