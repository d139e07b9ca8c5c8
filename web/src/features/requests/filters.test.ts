import { describe, expect, it } from 'vitest';
import { EMPTY_FILTER, fromSearch, nextMinute, toQuery, toSearch } from './filters';

describe('request filters', () => {
  it('a minute is [minute, minute + 60 s) in UTC, across an hour and a day', () => {
    expect(nextMinute('2026-12-04T18:22')).toBe('2026-12-04T18:23');
    expect(nextMinute('2026-12-31T23:59')).toBe('2027-01-01T00:00');
    const f = { ...EMPTY_FILTER, keyId: 'k1', status: 'errors', time: 'minute' as const, minute: '2026-12-04T18:22' };
    expect(toQuery(f).toString()).toBe('key_id=k1&status=errors&from=2026-12-04T18%3A22Z&to=2026-12-04T18%3A23Z');
    expect(toSearch(f)).toBe('?key_id=k1&status=errors&minute=2026-12-04T18%3A22');
    expect(fromSearch(toSearch(f))).toEqual(f);
  });

  it('a range keeps what is filled in; an incomplete time is left out', () => {
    const f = { ...EMPTY_FILTER, model: ' GLM-5.1 ', time: 'range' as const, from: '2026-12-04T18:00', to: '' };
    expect(toQuery(f).toString()).toBe('model=GLM-5.1&from=2026-12-04T18%3A00Z');
    expect(fromSearch(toSearch(f))).toEqual({ ...f, model: 'GLM-5.1' });
    expect(toQuery({ ...EMPTY_FILTER, time: 'minute', minute: '2026-12-04' }).toString()).toBe('');
  });

  it('reads a link from another page and ignores what it does not know', () => {
    expect(fromSearch('?key_id=abc')).toEqual({ ...EMPTY_FILTER, keyId: 'abc' });
    expect(fromSearch('?status=bad&minute=later&x=1')).toEqual(EMPTY_FILTER);
  });

  it('keeps every status the API takes, 2xx and 499 included, across a reload', () => {
    for (const status of ['2xx', '3xx', '4xx', '5xx', 'errors', '499', '500']) {
      const f = { ...EMPTY_FILTER, status };
      expect(toSearch(f)).toBe(`?status=${status}`);
      expect(fromSearch(toSearch(f))).toEqual(f);
    }
  });

  it('ignores a minute that does not exist instead of failing the page', () => {
    for (const minute of ['2026-13-45T99:99', '2026-12-07T24:30', '2026-02-30T10:00', '2026-12-07T24:00']) {
      expect(fromSearch(`?minute=${minute}`)).toEqual(EMPTY_FILTER);
      expect(fromSearch(`?from=${minute}`)).toEqual(EMPTY_FILTER);
      expect(toQuery({ ...EMPTY_FILTER, time: 'minute', minute }).toString()).toBe('');
    }
  });

  it('finds one request by its id, and a replica\'s requests by its URL', () => {
    const f = { ...EMPTY_FILTER, requestId: 'req_0mxd8803n2f43416d', backend: 'http://10.0.0.7:8000' };
    expect(toQuery(f).toString()).toBe('request_id=req_0mxd8803n2f43416d&backend=http%3A%2F%2F10.0.0.7%3A8000');
    expect(fromSearch(toSearch(f))).toEqual(f);
    expect(toQuery({ ...EMPTY_FILTER, requestId: ' req_0mxd8803n2f43416d ' }).toString()).toBe('request_id=req_0mxd8803n2f43416d');
  });
});
