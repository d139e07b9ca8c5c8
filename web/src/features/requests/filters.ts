/**
 * The Requests page's filter and its two spellings: the query of /api/requests and the page's
 * own URL (so a link from another page, or a copied address, opens the same view). Times are
 * UTC, as the gateway stores them; the minute filter covers [minute, minute + 60 s).
 */

export type TimeMode = 'any' | 'minute' | 'range';

export interface RequestFilter {
  readonly keyId: string | undefined;
  readonly model: string | undefined;
  /** '' = any; a status, `errors`, `4xx` or `5xx`. */
  readonly status: string;
  readonly time: TimeMode;
  /** `YYYY-MM-DDTHH:MM` (UTC), as a datetime-local input holds it. */
  readonly minute: string;
  readonly from: string;
  readonly to: string;
}

export const EMPTY_FILTER: RequestFilter = { keyId: undefined, model: undefined, status: '', time: 'any', minute: '', from: '', to: '' };

const MINUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

/** `YYYY-MM-DDTHH:MM` one minute later (UTC). */
export function nextMinute(minute: string): string {
  return new Date(Date.parse(`${minute}Z`) + 60_000).toISOString().slice(0, 16);
}

/** The minute (UTC) an ISO time falls in. */
export function minuteOf(iso: string): string {
  return iso.slice(0, 16);
}

/** The /api/requests query for a filter (incomplete time inputs are left out). */
export function toQuery(f: RequestFilter): URLSearchParams {
  const q = new URLSearchParams();
  if (f.keyId !== undefined) q.set('key_id', f.keyId);
  if (f.model !== undefined && f.model.trim() !== '') q.set('model', f.model.trim());
  if (f.status !== '') q.set('status', f.status);
  if (f.time === 'minute' && MINUTE.test(f.minute)) {
    q.set('from', `${f.minute}Z`);
    q.set('to', `${nextMinute(f.minute)}Z`);
  } else if (f.time === 'range') {
    if (MINUTE.test(f.from)) q.set('from', `${f.from}Z`);
    if (MINUTE.test(f.to)) q.set('to', `${f.to}Z`);
  }
  return q;
}

/** The page's URL search for a filter (the same names as the API). */
export function toSearch(f: RequestFilter): string {
  const q = toQuery(f);
  if (f.time === 'minute' && MINUTE.test(f.minute)) {
    q.delete('from');
    q.delete('to');
    q.set('minute', f.minute);
  }
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/** A filter from the page's URL search (unknown or malformed values are ignored). */
export function fromSearch(search: string): RequestFilter {
  const q = new URLSearchParams(search);
  const get = (k: string) => {
    const v = q.get(k);
    return v === null || v === '' ? undefined : v;
  };
  const status = get('status') ?? '';
  const minute = get('minute');
  const from = get('from')?.replace(/Z$/, '').slice(0, 16);
  const to = get('to')?.replace(/Z$/, '').slice(0, 16);
  const base = { ...EMPTY_FILTER, keyId: get('key_id'), model: get('model'), status: /^([1-5]\d\d|errors|4xx|5xx)$/.test(status) ? status : '' };
  if (minute !== undefined && MINUTE.test(minute)) return { ...base, time: 'minute', minute };
  if ((from !== undefined && MINUTE.test(from)) || (to !== undefined && MINUTE.test(to))) return { ...base, time: 'range', from: from ?? '', to: to ?? '' };
  return base;
}
