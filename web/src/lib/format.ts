/**
 * How the console writes numbers, dates and durations: always in the browser's locale
 * (thousands separators, local date order), with one placeholder for "no value".
 */

/** Shown where a value does not exist (never used, no sample yet). */
export const NONE = '—';

/** Integer or decimal with the locale's thousands separators. */
export function formatNumber(n: number | null | undefined, maxFractionDigits = 0, locale?: string): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return NONE;
  return new Intl.NumberFormat(locale, { maximumFractionDigits: maxFractionDigits }).format(n);
}

/** Compact form for chart axes: 12.3K, 4.5M. */
export function formatCompact(n: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

function toDate(value: string | number | Date): Date | undefined {
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Date and time in the browser's locale, e.g. "22 Nov 2026, 14:05". */
export function formatDateTime(value: string | number | Date | null | undefined, locale?: string): string {
  if (value === null || value === undefined) return NONE;
  const d = toDate(value);
  if (d === undefined) return NONE;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** Date and time in UTC, in the browser's locale, e.g. "1 Mar 2027, 12:30 UTC": for instants entered in UTC. */
export function formatUtcDateTime(value: string | number | Date | null | undefined, locale?: string): string {
  if (value === null || value === undefined) return NONE;
  const d = toDate(value);
  if (d === undefined) return NONE;
  return `${new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(d)} UTC`;
}

/** Calendar date in the browser's locale, e.g. "22 Nov 2026". */
export function formatDate(value: string | number | Date | null | undefined, locale?: string): string {
  if (value === null || value === undefined) return NONE;
  const d = toDate(value);
  return d === undefined ? NONE : new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(d);
}

/** Time of day, e.g. "14:05:09". */
export function formatTime(value: string | number | Date, locale?: string): string {
  const d = toDate(value);
  return d === undefined ? NONE : new Intl.DateTimeFormat(locale, { timeStyle: 'medium' }).format(d);
}

/**
 * A UTC day bucket ("2026-11-22") as a local calendar date. Buckets are UTC days, so the
 * date is formatted in UTC to keep "22 Nov" from becoming "21 Nov" west of Greenwich.
 */
export function formatDay(day: string, locale?: string): string {
  const d = toDate(`${day}T00:00:00Z`);
  if (d === undefined) return day;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
}

/** "3 min ago", "2 days ago" — relative to `now`. */
export function formatRelative(value: string | number | Date | null | undefined, now: number = Date.now(), locale?: string): string {
  if (value === null || value === undefined) return NONE;
  const d = toDate(value);
  if (d === undefined) return NONE;
  const seconds = Math.round((d.getTime() - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86_400), 'day');
}

/** A duration in seconds as "3 d 4 h", "5 h 12 min", "42 s". */
export function formatDuration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds) || totalSeconds < 0) return NONE;
  const s = Math.floor(totalSeconds);
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min ${s % 60} s`;
  return `${s} s`;
}

/** The local calendar day of `d` as YYYY-MM-DD (what <input type="date"> speaks). */
export function isoDay(d: Date): string {
  const y = d.getFullYear();
  const m = String(d.getMonth() + 1).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}

/** YYYY-MM-DD `days` before `day` (calendar arithmetic in UTC, so DST never skips a day). */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
