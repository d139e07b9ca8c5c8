/**
 * The tap observer that applies a wire format's response conformer (dialects/: what vLLM's
 * answers leave out or say differently from the API they imitate), to stream frames and to
 * whole JSON bodies. Frames it does not change are relayed byte-exact.
 */
import type { JsonValue } from '../../core/json.js';
import type { SseFrame } from '../../core/sse/parser.js';
import { formatSseLike } from '../../core/sse/writer.js';
import type { DialectEvent, ResponseConformer } from '../dialects/dialect.js';
import type { FrameObserver, ObserverFactory, Verdict } from './observers.js';

class Conformance implements FrameObserver {
  readonly name = 'conformance';
  // Two or three frames of a stream: the tap splices them in and keeps relaying whole chunks.
  readonly modifies = 'few';
  constructor(private readonly conformer: ResponseConformer) {}

  wants(frame: SseFrame): boolean {
    return frame.complete && this.conformer.wants(frame);
  }

  onFrame(frame: SseFrame, event: DialectEvent | undefined): Verdict {
    if (event === undefined) return 'keep';
    const data = this.conformer.event(event);
    return data === event.data ? 'keep' : { replace: formatSseLike(frame.event, data) };
  }

  onBody(body: JsonValue): JsonValue {
    return this.conformer.body(body);
  }
}

/** One per response of a format that has a conformer (it may keep state across the response's events). */
export const conformanceFor: ObserverFactory = ({ dialect }) => {
  const conformer = dialect.conformer?.();
  return conformer === undefined ? undefined : new Conformance(conformer);
};
