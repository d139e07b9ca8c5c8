/**
 * The Requests page's filter and its two spellings: the query of /api/requests and the page's
 * own URL (so a link from another page, or a copied address, opens the same view). Times are
 * UTC, as the gateway stores them; the minute filter covers [minute, minute + 60 s).
 */

export type TimeMode = 'any' | 'minute' | 'range';

export interface RequestFilter {
  readonly keyId: string | undefined;
  readonly model: string | undefined;
  /** One request: the id its answer carried in `x-request-id` (`req_…`). */
  readonly requestId: string | undefined;
  /** The replica that answered (its URL, as the Backends page lists it). */
  readonly backend: string | undefined;
  /** '' = any; a status, `errors`, or a class (`2xx` … `5xx`). */
  readonly status: string;
  readonly time: TimeMode;
  /** `YYYY-MM-DDTHH:MM` (UTC), as a datetime-local input holds it. */
  readonly minute: string;
  readonly from: string;
  readonly to: string;
}

export const EMPTY_FILTER: RequestFilter = { keyId: undefined, model: undefined, requestId: undefined, backend: undefined, status: '', time: 'any', minute: '', from: '', to: '' };

const MINUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

/** `YYYY-MM-DDTHH:MM` of a minute that exists: not month 13, 24:30 or 30 February (which Date.parse rolls over). */
function isMinute(s: string): boolean {
  if (!MINUTE.test(s)) return false;
  const t = Date.parse(`${s}Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 16) === s;
}
const STATUS = /^([1-5]\d\d|errors|[2-5]xx)$/;

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
  if (f.requestId !== undefined && f.requestId.trim() !== '') q.set('request_id', f.requestId.trim());
  if (f.backend !== undefined && f.backend.trim() !== '') q.set('backend', f.backend.trim());
  if (f.status !== '') q.set('status', f.status);
  if (f.time === 'minute' && isMinute(f.minute)) {
    q.set('from', `${f.minute}Z`);
    q.set('to', `${nextMinute(f.minute)}Z`);
  } else if (f.time === 'range') {
    if (isMinute(f.from)) q.set('from', `${f.from}Z`);
    if (isMinute(f.to)) q.set('to', `${f.to}Z`);
  }
  return q;
}

/** The page's URL search for a filter (the same names as the API). */
export function toSearch(f: RequestFilter): string {
  const q = toQuery(f);
  if (f.time === 'minute' && isMinute(f.minute)) {
    q.delete('from');
    q.delete('to');
    q.set('minute', f.minute);
  }
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/** A filter from the page's URL search (unknown or malformed values, a minute that does not exist included, are ignored). */
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
  const base = { ...EMPTY_FILTER, keyId: get('key_id'), model: get('model'), requestId: get('request_id'), backend: get('backend'), status: STATUS.test(status) ? status : '' };
  if (minute !== undefined && isMinute(minute)) return { ...base, time: 'minute', minute };
  if ((from !== undefined && isMinute(from)) || (to !== undefined && isMinute(to))) return { ...base, time: 'range', from: from ?? '', to: to ?? '' };
  return base;
}
