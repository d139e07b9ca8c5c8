/**
 * Plays the agent trace against the gateway: every session is one client that sends its turns
 * one after another (a streamed `/v1/messages` request, read to `message_stop`), pausing
 * between turns as an agent running its tools does. Sessions start spread over `rampMs`.
 * Each request's outcome and time to first token (request sent → first body byte) is kept;
 * a failed request is counted, not retried, and the session goes on with its next turn.
 */
import { Agent, request } from 'node:http';
import type { TraceRequest } from './agent-trace.js';

export interface RequestRecord {
  readonly session: number;
  readonly turn: number;
  /** ms since the load started. */
  readonly sentAt: number;
  readonly endedAt: number;
  readonly status: number;
  /** Sent → first byte of the body, ms; undefined when none came. */
  readonly ttftMs: number | undefined;
  /** Undefined when the stream ended with `message_stop`. */
  readonly error: string | undefined;
}

export interface AgentLoadOptions {
  readonly port: number;
  readonly authorization: string;
  readonly trace: readonly (readonly TraceRequest[])[];
  readonly rampMs: number;
  /** A request with no end after this long counts as failed (the socket is closed). */
  readonly timeoutMs: number;
}

export interface AgentLoad {
  /** Requests ended so far, live. */
  readonly records: readonly RequestRecord[];
  /** Requests sent and not yet ended. */
  inFlight(): number;
  /** Resolves when every session has played every turn. */
  readonly done: Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function startAgentLoad(o: AgentLoadOptions): AgentLoad {
  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(1, o.trace.length) });
  const t0 = performance.now();
  const records: RequestRecord[] = [];
  let open = 0;

  const send = (r: TraceRequest): Promise<void> =>
    new Promise<void>((resolve) => {
      const sentAt = performance.now() - t0;
      let status = 0;
      let ttftMs: number | undefined;
      let tail = '';
      let finished = false;
      open++;
      const end = (error: string | undefined): void => {
        if (finished) return;
        finished = true;
        open--;
        clearTimeout(timer);
        records.push({ session: r.session, turn: r.turn, sentAt, endedAt: performance.now() - t0, status, ttftMs, error });
        resolve();
      };
      const req = request(
        {
          host: '127.0.0.1',
          port: o.port,
          method: 'POST',
          path: '/v1/messages',
          agent,
          headers: { ...r.headers, authorization: o.authorization, 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body) },
        },
        (res) => {
          status = res.statusCode ?? 0;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            ttftMs ??= performance.now() - t0 - sentAt;
            // Only the end matters: keep a short tail to find `message_stop` in.
            tail = (tail + chunk).slice(-256);
          });
          res.once('end', () => end(status !== 200 ? `status ${status}` : tail.includes('event: message_stop') ? undefined : 'stream ended without message_stop'));
          res.once('error', (e) => end(`stream: ${e.message}`));
          res.once('aborted', () => end('stream cut'));
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        end(`no end within ${o.timeoutMs} ms`);
      }, o.timeoutMs);
      req.on('error', (e) => end(`${ttftMs === undefined ? 'request' : 'stream'}: ${e.message}`));
      req.end(r.body);
    });

  const session = async (turns: readonly TraceRequest[], s: number): Promise<void> => {
    await sleep((o.rampMs * s) / Math.max(1, o.trace.length));
    for (const r of turns) {
      if (r.thinkMs > 0) await sleep(r.thinkMs);
      await send(r);
    }
  };
  const done = Promise.all(o.trace.map((turns, s) => session(turns, s))).then(() => {
    agent.destroy();
  });
  return { records, inFlight: () => open, done };
}
