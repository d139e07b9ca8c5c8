/**
 * The Han filter (seed 003 "Han-script stripping"): a tap observer that rewrites the
 * natural-language deltas of a stream frame (han-rewrite.ts says which fields) and re-serialises
 * only frames that changed; plus the same rule for non-stream JSON bodies.
 */
import { keepsHan } from '../../core/script.js';
import type { JsonValue } from '../../core/json.js';
import type { SseFrame } from '../../core/sse/parser.js';
import { formatSseData, formatSseEvent } from '../../core/sse/writer.js';
import type { DialectEvent } from '../dialects/index.js';
import type { RequestFacts } from '../context.js';
import { hasHanRules, stripHanFromBody, stripHanFromEvent } from './han-rewrite.js';

const encoder = new TextEncoder();

/** What the filter says about one frame: forward its bytes, or these instead. */
export type HanVerdict = 'keep' | { readonly replace: Uint8Array };

/**
 * Stripping applies when PROXY_STRIP_HAN is on, the user does not write Chinese or Japanese
 * (seed 003 line 42; Korean and everything else are stripped) and the endpoint has text output.
 */
export function hanFilterApplies(facts: RequestFacts, stripHan: boolean): boolean {
  return stripHan && hasHanRules(facts.endpoint) && !keepsHan(facts.userScript);
}

/** The frame re-written around new data, keeping its `event:` name (LF line endings, as vLLM). */
function reserialise(frame: SseFrame, data: JsonValue): Uint8Array {
  const event = frame.event;
  return encoder.encode(event === undefined ? formatSseData(data) : formatSseEvent(event, data));
}

/**
 * A frame observer for one response on `facts.endpoint`. Comments, `[DONE]`, non-JSON and
 * incomplete frames (`event` undefined) and frames with nothing to strip are kept byte-exact;
 * it holds no state and buffers nothing beyond the frame it is given.
 */
export function createHanFilter(facts: RequestFacts): {
  readonly name: 'han-filter';
  onFrame(frame: SseFrame, event: DialectEvent | undefined): HanVerdict;
} {
  const endpoint = facts.endpoint;
  return {
    name: 'han-filter',
    onFrame(frame, event) {
      if (event === undefined) return 'keep';
      const data = stripHanFromEvent(endpoint, event.data);
      return data === event.data ? 'keep' : { replace: reserialise(frame, data) };
    },
  };
}

/**
 * The same rule for a non-stream JSON response, so a client reads the same text streamed or
 * not: the body with Han stripped, or the same reference when stripping does not apply or
 * removes nothing (then the upstream bytes can be sent as they are).
 */
export function stripHanFromResponse(facts: RequestFacts, stripHan: boolean, body: JsonValue): JsonValue {
  return hanFilterApplies(facts, stripHan) ? stripHanFromBody(facts.endpoint, body) : body;
}
