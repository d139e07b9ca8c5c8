/**
 * What the harness and the stream client (a separate process) say to each other: the client's
 * configuration, the commands it reads on stdin (one per line: `mark` starts the measured
 * window, `stop` ends it and reports), and the JSON lines it writes on stdout.
 */

/** How the stream client runs: N users, each streaming one request after another. */
export interface StreamClientConfig {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Concurrent users, each with its own keep-alive connection. */
  readonly users: number;
  /** Users start evenly over this many ms, so connections open gradually. */
  readonly rampMs: number;
  /** How often the client reports how many streams are open. */
  readonly tickMs: number;
}

/** Percentiles in microseconds. */
export interface Pcts {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** One JSON line on the client's stdout. */
export type StreamClientEvent =
  | { readonly type: 'ready'; readonly open: number }
  | { readonly type: 'tick'; readonly open: number; readonly completed: number; readonly errors: number }
  | {
      readonly type: 'result';
      readonly windowS: number;
      /** Streams that ended (terminal chunk received) inside the window. */
      readonly completed: number;
      readonly errors: number;
      readonly firstErrors: readonly string[];
      /** Time from sending the request to the first response byte. */
      readonly ttfb: Pcts;
      /** Time from sending the request to the first byte of SSE data. */
      readonly ttfd: Pcts;
      /** Time between successive reads of one stream, after its first data. */
      readonly gap: Pcts;
      /** Request sent to terminal chunk. */
      readonly duration: Pcts;
      /** Socket reads per completed stream. */
      readonly readsPerStream: number;
      readonly open: number;
    };
