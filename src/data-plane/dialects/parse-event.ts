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
const EVENT_PREFIX = 'event:';

/**
 * The event name of a frame whose first line is `event: <name>` (how vLLM and Anthropic write
 * every named frame), reading only that line; falls back to a full decode otherwise.
 */
export function eventName(frame: SseFrame): string | undefined {
  const raw = frame.raw;
  let ok = raw.length > EVENT_PREFIX.length;
  for (let i = 0; ok && i < EVENT_PREFIX.length; i++) ok = raw[i] === EVENT_PREFIX.charCodeAt(i);
  if (!ok) return frame.complete ? frame.event : undefined;
  let start = EVENT_PREFIX.length;
  if (raw[start] === 0x20) start++;
  let end = start;
  while (end < raw.length && raw[end] !== LF && raw[end] !== CR) end++;
  let name = '';
  for (let i = start; i < end; i++) name += String.fromCharCode(raw[i] ?? 0);
  // Non-ASCII names are decoded properly (rare).
  return /[\x80-\xff]/.test(name) ? frame.event : name;
}
