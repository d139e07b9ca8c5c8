// Fault injection as data: the fault kinds, their one-line text form (used by the
// `x-sim-fault` header, the `--fault` flag and `setFault("…")`), and the parser for it.

/**
 * A fault the simulator can inject. "Chunks" are SSE events (comments not counted); for
 * JSON responses the mid-stream kinds act before the response starts.
 */
export type Fault =
  /** Stop listening: new connections are refused (global only; see `setRefusing`). */
  | { readonly kind: 'refuse' }
  /** Destroy the connection after reading the request, before any response byte. */
  | { readonly kind: 'drop' }
  /** Send nothing, not even headers, for `ms` milliseconds (forever when absent). */
  | { readonly kind: 'stall-headers'; readonly ms?: number }
  /** After `afterChunks` SSE events, pause for `ms` milliseconds (forever when absent). */
  | { readonly kind: 'stall'; readonly afterChunks: number; readonly ms?: number }
  /** After `afterChunks` SSE events, destroy the socket (the client sees a reset). */
  | { readonly kind: 'reset'; readonly afterChunks: number }
  /** Answer with this HTTP status and a vLLM-shaped error body. */
  | { readonly kind: 'status'; readonly status: number; readonly message?: string }
  /** After `afterChunks` SSE events, send the dialect's in-stream error frame and end. */
  | { readonly kind: 'error'; readonly afterChunks: number; readonly message?: string };

function nonNegativeInt(text: string | undefined, what: string): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new RangeError(`${what} must be a non-negative integer`);
  return Number(text);
}

/**
 * Parses `refuse`, `drop`, `stall-headers[:MS]`, `stall:K[:MS]`, `reset:K`,
 * `status:CODE[:MESSAGE]`, `error:K[:MESSAGE]`. Throws RangeError with a readable message.
 */
export function parseFault(spec: string): Fault {
  const [kind = '', a, ...rest] = spec.trim().split(':');
  const tail = rest.length > 0 ? rest.join(':') : undefined;
  switch (kind) {
    case 'refuse':
      return { kind: 'refuse' };
    case 'drop':
      return { kind: 'drop' };
    case 'stall-headers':
      return a === undefined ? { kind: 'stall-headers' } : { kind: 'stall-headers', ms: nonNegativeInt(a, 'stall-headers milliseconds') };
    case 'stall': {
      const afterChunks = nonNegativeInt(a, 'stall chunk count');
      return tail === undefined ? { kind: 'stall', afterChunks } : { kind: 'stall', afterChunks, ms: nonNegativeInt(tail, 'stall milliseconds') };
    }
    case 'reset':
      return { kind: 'reset', afterChunks: nonNegativeInt(a, 'reset chunk count') };
    case 'status': {
      const status = nonNegativeInt(a, 'status code');
      if (status < 400 || status > 599) throw new RangeError('status code must be 400-599');
      return tail === undefined ? { kind: 'status', status } : { kind: 'status', status, message: tail };
    }
    case 'error': {
      const afterChunks = nonNegativeInt(a, 'error chunk count');
      return tail === undefined ? { kind: 'error', afterChunks } : { kind: 'error', afterChunks, message: tail };
    }
    default:
      throw new RangeError(`unknown fault "${kind}" (refuse, drop, stall-headers, stall, reset, status, error)`);
  }
}

/** Faults that act at a chunk boundary inside a stream. */
export type MidStreamFault = Extract<Fault, { afterChunks: number }>;

/** True for the kinds that fire after k SSE events. */
export function isMidStream(fault: Fault): fault is MidStreamFault {
  return fault.kind === 'stall' || fault.kind === 'reset' || fault.kind === 'error';
}
