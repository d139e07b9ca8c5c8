// The documented way for a prompt to ask the simulator for a tool call under `tool_choice`
// auto: the marker `[sim:tool]` in the text of the request's last message, when that message
// is the user's. A tool result ends the turn with the user's text no longer last, so an agent
// gets one call and then a text answer, and its loop ends.

import { isRecord } from './request-facts.js';
import type { Json } from './request-facts.js';

export const TOOL_MARKER = '[sim:tool]';

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isRecord)
    .filter((p) => p.type === 'text' || p.type === 'input_text')
    .map((p) => (typeof p.text === 'string' ? p.text : ''))
    .join('\n');
}

/** The text of the last message or input item if it is the user's, else ''. */
function lastUserText(body: Json): string {
  if (typeof body.input === 'string') return body.input;
  const list: unknown = Array.isArray(body.messages) ? body.messages : body.input;
  if (!Array.isArray(list)) return '';
  const last: unknown = list[list.length - 1];
  if (!isRecord(last) || last.role !== 'user') return '';
  return textOf(last.content);
}

/** True when the request's last user turn carries the tool marker. */
export function asksForToolCall(body: Json): boolean {
  return lastUserText(body).includes(TOOL_MARKER);
}
