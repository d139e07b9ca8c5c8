/**
 * The Han filter (docs/shaping.md): a tap observer that rewrites the
 * natural-language deltas of a stream frame (each wire format in dialects/ says which fields) and re-serialises
 * only frames that changed; `onBody` applies the same rule to non-stream JSON responses.
 */
import { keepsHan } from '../../core/script.js';
import type { JsonValue } from '../../core/json.js';
import type { SseFrame } from '../../core/sse/parser.js';
import { formatSseLike } from '../../core/sse/writer.js';
import { dialectFor, requestFormatFor, stripHanFromBody, stripHanFromEvent, type DialectEvent } from '../dialects/index.js';
import type { Endpoint, RequestFacts } from '../context.js';
import type { FrameObserver, ObserverFactory, Verdict } from './observers.js';

/**
 * Stripping applies when PROXY_STRIP_HAN is on, the endpoint has text output (a shaped request
 * whose answer has a format: not count_tokens, not embeddings), and the user does not write
 * Chinese or Japanese (Korean and everything else are stripped).
 */
export function hanFilterApplies(facts: RequestFacts, stripHan: boolean): boolean {
  return stripHan && requestFormatFor(facts.endpoint) !== undefined && dialectFor(facts.endpoint) !== undefined && !keepsHan(facts.userScript);
}

/**
 * Could these UTF-8 bytes hold a character `stripHan` removes? True on the lead bytes of
 * U+2E80–U+2FFF, U+3000–U+9FFF, U+F900–U+FAFF, U+FE10–U+FE4F, U+FF00–U+FF7F and
 * U+20000–U+323AF, and on a `\u` JSON escape. Frames without them are not even parsed.
 */
export function mayHoldHan(raw: Uint8Array): boolean {
  const n = raw.length;
  for (let i = 0; i < n; i++) {
    const b = raw[i] as number;
    if (b < 0xe2) {
      if (b === 0x5c && raw[i + 1] === 0x75) return true;
      continue;
    }
    const next = raw[i + 1] ?? 0;
    if (b === 0xe2 && next >= 0xba) return true;
    if (b >= 0xe3 && b <= 0xe9) return true;
    if (b === 0xef && ((next >= 0xa4 && next <= 0xab) || next === 0xb8 || next === 0xb9 || next === 0xbc || next === 0xbd)) return true;
    if (b === 0xf0 && next >= 0xa0 && next <= 0xb2) return true;
  }
  return false;
}

/**
 * The observer for responses on `endpoint`. Stateless and unbuffered: it sees one whole frame
 * (the parser has already joined a frame, and any UTF-8 character, split across network
 * chunks) and either keeps its exact bytes or replaces it. Comments, `[DONE]`, non-JSON and
 * incomplete frames, and frames with nothing to strip, are kept byte-exact.
 */
export class HanFilter implements FrameObserver {
  readonly name = 'han-filter';
  readonly modifies = true;
  constructor(private readonly endpoint: Endpoint) {}

  wants(frame: SseFrame): boolean {
    return frame.complete && mayHoldHan(frame.raw);
  }

  onFrame(frame: SseFrame, event: DialectEvent | undefined): Verdict {
    if (event === undefined) return 'keep';
    const data = stripHanFromEvent(this.endpoint, event.data);
    return data === event.data ? 'keep' : { replace: formatSseLike(frame.event, data) };
  }

  /** The same rule for a whole JSON response, so the text is the same streamed or not. */
  onBody(body: JsonValue): JsonValue {
    return stripHanFromBody(this.endpoint, body);
  }
}

const byEndpoint = new Map<Endpoint, HanFilter>();

/** The Han filter when it applies to the request (see `hanFilterApplies`), one instance per endpoint. */
export const hanFilterFor: ObserverFactory = ({ facts, stripHan }) => {
  if (!hanFilterApplies(facts, stripHan)) return undefined;
  let filter = byEndpoint.get(facts.endpoint);
  if (filter === undefined) {
    filter = new HanFilter(facts.endpoint);
    byEndpoint.set(facts.endpoint, filter);
  }
  return filter;
};
