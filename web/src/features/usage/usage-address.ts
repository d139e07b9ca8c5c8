/**
 * The Usage page's range and key in its address (`/usage?from=…&to=…&key_id=…`), so Back from
 * a key's requests, a reload or a shared link shows the same numbers. The default range (the
 * last 30 UTC days) is left out, so a plain `/usage` always means "now".
 */
import { addDays } from '../../lib/format';
import type { UsageFilter } from './range-controls';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The last 30 UTC days up to `today`, every key. */
export function defaultUsageFilter(today: string): UsageFilter {
  return { from: addDays(today, -29), to: today, keyId: undefined };
}

/** The filter an address asks for; what it leaves out or gets wrong takes the default. */
export function usageFilterFromSearch(search: string, today: string): UsageFilter {
  const q = new URLSearchParams(search);
  const d = defaultUsageFilter(today);
  const day = (name: string): string | undefined => {
    const v = q.get(name);
    return v !== null && DAY.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ? v : undefined;
  };
  const from = day('from');
  const to = day('to');
  const keyId = q.get('key_id');
  const range = from !== undefined && to !== undefined && from <= to ? { from, to } : { from: d.from, to: d.to };
  return { ...range, keyId: keyId === null || keyId === '' ? undefined : keyId };
}

/** The address's query for a filter (empty for the default). */
export function usageFilterToSearch(f: UsageFilter, today: string): string {
  const d = defaultUsageFilter(today);
  const q = new URLSearchParams();
  if (f.from !== d.from || f.to !== d.to) {
    q.set('from', f.from);
    q.set('to', f.to);
  }
  if (f.keyId !== undefined) q.set('key_id', f.keyId);
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}
