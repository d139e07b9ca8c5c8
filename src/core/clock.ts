/**
 * Time as a port, so day buckets, session expiry and retention are exact in tests.
 */

/** Source of the current time. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

const DAY_MS = 86_400_000;
// The last day asked for: every /v1 request asks, nearly always for the same day.
let cachedDayStart = 0;
let cachedDay = '1970-01-01';

/** UTC calendar day `YYYY-MM-DD` of an epoch-ms instant (usage buckets are per UTC day). */
export function utcDay(ms: number): string {
  if (ms >= cachedDayStart && ms < cachedDayStart + DAY_MS) return cachedDay;
  const day = new Date(ms).toISOString().slice(0, 10);
  // Only real instants are cached (an invalid Date has thrown above).
  cachedDayStart = Math.floor(ms / DAY_MS) * DAY_MS;
  cachedDay = day;
  return day;
}

// The second of the last instant formatted, and its text up to the milliseconds: requests
// in the same second (nearly all of them, under load) only format their milliseconds.
let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** ISO-8601 UTC timestamp, the store's portable time format (`Date#toISOString`). */
export function isoTime(instant: number): string {
  // Date keeps whole milliseconds, truncated toward zero.
  const ms = Math.trunc(instant);
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const text = new Date(ms).toISOString();
    // `…:SS.mmmZ`: everything before the milliseconds is the second's.
    cachedPrefix = text.slice(0, -4);
    cachedSecond = second;
    return text;
  }
  const milli = ms - second * 1000;
  return `${cachedPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
