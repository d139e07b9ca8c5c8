/**
 * Server-sent events for the browser, on the gateway's own byte-level SSE parser
 * (src/core/sse/parser.ts, dependency-free by design): the console and the gateway split
 * streams by the same rules, and bytes split mid-character or mid-CRLF are handled there.
 */
import { createSseParser, type SseFrame } from '@sse-parser';

/** One dispatched event. `event` is "message" when the stream named none. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/** Incremental reader: push body chunks, get the events they complete. */
export interface SseEventReader {
  push(chunk: Uint8Array): SseEvent[];
  /** End of stream: an unterminated event is discarded, as the standard says. */
  end(): SseEvent[];
}

/** A fresh reader with its own buffer. */
export function createSseEventReader(): SseEventReader {
  let out: SseEvent[] = [];
  const parser = createSseParser({
    onFrame(frame: SseFrame) {
      // Comments, heartbeats and frames without data dispatch nothing (WHATWG §9.2.6).
      if (!frame.complete || frame.isComment || frame.data === undefined) return;
      out.push({ event: frame.event ?? 'message', data: frame.data });
    },
  });
  const drain = (): SseEvent[] => {
    const done = out;
    out = [];
    return done;
  };
  return {
    push(chunk) {
      parser.push(chunk);
      return drain();
    },
    end() {
      parser.end();
      return drain();
    },
  };
}
