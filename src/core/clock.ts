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

/** A clock tests can move by hand. */
export function fixedClock(start: number): Clock & { set(ms: number): void; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    set: (ms) => {
      t = ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

/** UTC calendar day `YYYY-MM-DD` of an epoch-ms instant (usage buckets are per UTC day). */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** ISO-8601 UTC timestamp, the store's portable time format. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
