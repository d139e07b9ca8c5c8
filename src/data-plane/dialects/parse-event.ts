/**
 * The one JSON parse of a stream frame: data → `DialectEvent`, or undefined for comments,
 * `[DONE]`, incomplete frames and data that is not JSON (those pass through untouched).
 */
import { isJsonObject, tryParseJson } from '../../core/json.js';
import type { SseFrame } from '../../core/sse/parser.js';
import type { DialectEvent } from './dialect.js';

export function parseEvent(frame: SseFrame): DialectEvent | undefined {
  if (!frame.complete) return undefined;
  const text = frame.data;
  if (text === undefined || text === '[DONE]') return undefined;
  const data = tryParseJson(text);
  if (data === undefined) return undefined;
  const type = isJsonObject(data) && typeof data.type === 'string' ? data.type : undefined;
  return { name: frame.event ?? type, data };
}

const LF = 0x0a;
const CR = 0x0d;
const EVENT_PREFIX = Buffer.from('event:', 'latin1');

/** `raw[from, to)` holds exactly the ASCII `name`. */
function bytesAre(raw: Uint8Array, from: number, to: number, name: string): boolean {
  if (to - from !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (raw[from + i] !== name.charCodeAt(i)) return false;
  return true;
}

/**
 * Whether the frame's event is one of `names` (ASCII). A frame whose first line is
 * `event: <name>` (how vLLM and Anthropic write every named frame) is matched on that line's
 * bytes, with no string built: this runs on every frame of a stream. Other frames fall back to
 * a full decode.
 */
export function eventNameIn(frame: SseFrame, names: readonly string[]): boolean {
  const raw = frame.raw;
  let ok = raw.length > EVENT_PREFIX.length;
  for (let i = 0; ok && i < EVENT_PREFIX.length; i++) ok = raw[i] === EVENT_PREFIX[i];
  if (!ok) {
    const event = frame.complete ? frame.event : undefined;
    return event !== undefined && names.includes(event);
  }
  let start = EVENT_PREFIX.length;
  if (raw[start] === 0x20) start++;
  let end = start;
  while (end < raw.length && raw[end] !== LF && raw[end] !== CR) end++;
  for (const name of names) if (bytesAre(raw, start, end, name)) return true;
  return false;
}
