/**
 * A call to a backend as the replica set sees it: the request, and what the call needs from
 * the replicas (their choice, their health marks, which answers and failures are tried again).
 */
import type { Readable } from 'node:stream';
import type { CallFacts, FailedAttempt, Replica, RetryReason } from './replicas.js';

/** A request body that is sent as it arrives and can be sent again until an attempt connects. */
export interface ReplayableBody {
  /** A fresh stream for the next attempt (only while `replayable`). */
  body(): Readable;
  readonly replayable: boolean;
  /** The client is still sending: silence from the backend meanwhile is not a timeout. */
  readonly receiving: boolean;
  /** An attempt connected: the body need not be kept for a retry any more. */
  connected(): void;
}

export type CallBody = string | Buffer | readonly Buffer[] | ReplayableBody | undefined;

/** A request to a backend. */
export interface BackendCall {
  readonly method: string;
  /** Path and query, exactly as they go upstream. */
  readonly path: string;
  readonly headers: string[];
  /** A body in parts is sent in order; the headers must then carry its length. */
  readonly body: CallBody;
  /** Longest silence allowed before the first byte and between bytes, ms (0: none). */
  readonly readTimeoutMs: number;
  readonly facts: CallFacts;
  /** Only this replica, no retry (the probe walks the replicas itself). */
  readonly replica?: Replica;
}

/** What a call needs from the replica set (upstream/client.ts). */
export interface CallHost {
  /** The replica of the next attempt; undefined when a retry has nowhere worth going. */
  choose(call: BackendCall, avoid: Replica | undefined): Replica | undefined;
  failed(replica: Replica): void;
  /** `replica` answered the call with `status` (before any retry is decided); `before`: the failing answer that sent the call there. */
  answered(replica: Replica, status: number, call: BackendCall, before: FailedAttempt | undefined): void;
  retryableStatus(status: number, call: BackendCall): boolean;
  /** A connection the backend closed cleanly before any response byte may be tried elsewhere (default: no). */
  retryableClose?(call: BackendCall): boolean;
  /** The call goes to another attempt: `replica` failed it, `why` says how. */
  retrying?(replica: Replica | undefined, why: RetryReason): void;
}

export type { RetryReason } from './replicas.js';
