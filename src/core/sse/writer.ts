// Serialises Server-Sent Events frames (WHATWG HTML §9.2 "event stream" format) as strings.
// Pure and dependency-free: the simulator writes its streams with it and the tap's rewriting
// observers re-serialise frames with it, so both agree byte-for-byte on framing.

/** Anything that can be the data of a frame: a string is written as is, anything else as JSON. */
export type SseData = string | object | number | boolean | null;

/** The terminal chat/completions frame vLLM sends: `data: [DONE]\n\n`. */
export const SSE_DONE = 'data: [DONE]\n\n';

/**
 * Writes `data` as one or more `data:` lines. Each LF, CRLF or CR in the text starts a new
 * `data:` line, so a receiver that joins data lines with "\n" gets the text back (with CR
 * and CRLF normalised to LF, as any SSE parser does).
 */
function dataLines(data: SseData): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  if (!/[\r\n]/.test(text)) return `data: ${text}\n`;
  let out = '';
  for (const line of text.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return out;
}

/**
 * An unnamed event: `data: <json or text>\n\n` (how vLLM frames chat and completions chunks).
 * Objects are serialised with JSON.stringify, keeping their key order.
 */
export function formatSseData(data: SseData): string {
  return `${dataLines(data)}\n`;
}

/**
 * A named event: `event: <name>\ndata: <json or text>\n\n` (Responses and Anthropic streams).
 * A newline in the event name would break framing, so it is rejected.
 */
export function formatSseEvent(event: string, data: SseData): string {
  if (/[\r\n]/.test(event)) throw new RangeError('SSE event name must not contain a line break');
  return `event: ${event}\n${dataLines(data)}\n`;
}

/**
 * A comment frame, e.g. `: ping\n\n`, which every SSE client ignores (used as a heartbeat).
 * Multi-line text becomes one comment line per line.
 */
export function formatSseComment(text: string): string {
  let out = '';
  for (const line of text.split(/\r\n|\r|\n/)) out += line === '' ? ':\n' : `: ${line}\n`;
  return `${out}\n`;
}

/** A frame written again around new data, keeping its `event:` name when it had one (LF line endings, as vLLM). */
export function formatSseLike(event: string | undefined, data: SseData): string {
  return event === undefined ? formatSseData(data) : formatSseEvent(event, data);
}
