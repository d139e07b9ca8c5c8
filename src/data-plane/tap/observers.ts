/**
 * The observer interface of the response tap and the choice, per request, of
 * which observers run and in what order: the usage meter first, then the usage-chunk filter,
 * then any other modifying observer (the Han filter). Observers see every frame of a stream
 * (and, through `onBody`, a whole JSON response) and return a verdict; JSON is parsed at most
 * once per frame, by the tap, and only when some observer `wants` the frame.
 */
import type { JsonValue } from '../../core/json.js';
import type { SseFrame } from '../../core/sse/parser.js';
import type { RequestFacts } from '../context.js';
import type { Dialect, DialectEvent } from '../dialects/index.js';

/** Keep the frame's bytes, drop them, or send these bytes instead. */
export type Verdict = 'keep' | 'drop' | { readonly replace: Uint8Array | string };

/** How a response ended, from the tap's point of view. */
export type StreamOutcome = 'complete' | 'aborted' | 'upstream-error';

export interface FrameObserver {
  readonly name: string;
  /**
   * Whether `onFrame` may return something other than 'keep': `false` never, `'few'` for a few
   * frames of a stream (those it `wants`; never the terminal frame, whose bytes the tap holds
   * as they came), `true` for any. When no observer of a request
   * modifies more than a few, the tap relays upstream chunks as they arrive, byte-exact, and
   * splices the few replacements in; otherwise it relays frame by frame (still byte-exact for
   * every kept frame).
   */
  readonly modifies: boolean | 'few';
  /** Cheap test on raw bytes: does this observer need `event` (the parsed data) for this frame? */
  wants(frame: SseFrame): boolean;
  /**
   * Called for every frame in stream order, comments and incomplete frames included.
   * `event` is the frame's data parsed once (undefined when no observer wanted it, or when the
   * frame is a comment, `[DONE]`, incomplete or not JSON). Must not throw.
   */
  onFrame(frame: SseFrame, event: DialectEvent | undefined): Verdict;
  /**
   * Non-stream responses: the whole parsed JSON body; return it (same reference) when unchanged
   * or a replacement to send instead. Absent = the observer has nothing to do with bodies.
   */
  onBody?(body: JsonValue): JsonValue;
  /** Once, when the response ended, however it ended. */
  onEnd?(outcome: StreamOutcome): void;
}

/** What an observer factory may look at to decide whether it applies to a request. */
export interface ObserverContext {
  readonly facts: RequestFacts;
  readonly dialect: Dialect;
  /** PROXY_STRIP_HAN. */
  readonly stripHan: boolean;
}

/** Makes the observer for one request, or undefined when it does not apply. */
export type ObserverFactory = (ctx: ObserverContext) => FrameObserver | undefined;

/**
 * Picks the observers for one request, in order: `first` (the usage meter, which must see the
 * usage chunk before the filter drops it), then each factory's observer that applies.
 */
export function observersFor(
  ctx: ObserverContext,
  first: FrameObserver,
  factories: readonly ObserverFactory[],
): FrameObserver[] {
  const list = [first];
  for (const make of factories) {
    const o = make(ctx);
    if (o !== undefined) list.push(o);
  }
  return list;
}
