/**
 * The non-streaming load both generators (wrk, autocannon) run, and the summary they return.
 */

/** A fixed POST repeated in a closed loop over `connections` connections. */
export interface PostLoad {
  readonly path: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  readonly durationS: number;
}

/** What a load run reports (latencies in microseconds). */
export interface LoadResult {
  readonly requests: number;
  readonly durationS: number;
  /** Connection, read, write, timeout errors and non-2xx/3xx answers. */
  readonly errors: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly meanUs: number;
}
