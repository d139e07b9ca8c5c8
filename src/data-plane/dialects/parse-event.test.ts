import { describe, expect, it } from 'vitest';
import { createSseParser, type SseFrame } from '../../core/sse/parser.js';
import { eventNameIn } from './parse-event.js';
import { dialectFor } from './index.js';

/** The frames a parser emits for `text` (the last one incomplete when it lacks its blank line). */
function frames(text: string): SseFrame[] {
  const out: SseFrame[] = [];
  const p = createSseParser({ onFrame: (f) => out.push(f) });
  p.push(Buffer.from(text));
  p.end();
  return out;
}

const first = (text: string): SseFrame => frames(text)[0] as SseFrame;

describe('eventNameIn', () => {
  it('matches the name on the first `event:` line, with or without the space, LF or CRLF', () => {
    expect(eventNameIn(first('event: message_stop\ndata: {}\n\n'), ['message_start', 'message_stop'])).toBe(true);
    expect(eventNameIn(first('event:message_stop\r\ndata: {}\r\n\r\n'), ['message_stop'])).toBe(true);
  });

  it('does not match a prefix, a longer name, or a name with trailing spaces', () => {
    expect(eventNameIn(first('event: message_sto\ndata: {}\n\n'), ['message_stop'])).toBe(false);
    expect(eventNameIn(first('event: message_stopped\ndata: {}\n\n'), ['message_stop'])).toBe(false);
    expect(eventNameIn(first('event: message_stop \ndata: {}\n\n'), ['message_stop'])).toBe(false);
  });

  it('reads the decoded event of a frame whose first line is not `event:`', () => {
    expect(eventNameIn(first('data: {}\nevent: response.completed\n\n'), ['response.completed'])).toBe(true);
    expect(eventNameIn(first(': ping\n\n'), ['response.completed'])).toBe(false);
    expect(eventNameIn(first('data: {"type":"response.completed"}\n\n'), ['response.completed'])).toBe(false);
  });

  it('never matches a non-ASCII name against an ASCII one', () => {
    expect(eventNameIn(first('event: message_stöp\ndata: {}\n\n'), ['message_stop', 'message_st'])).toBe(false);
  });
});

describe('isErrorFrame: the backend reporting an error inside a stream', () => {
  it('knows each format\'s error event and nothing else', () => {
    const chat = dialectFor('chat')!;
    expect(chat.isErrorFrame(first('data: {"error":{"message":"x","type":"InternalServerError","code":500}}\n\n'))).toBe(true);
    expect(chat.isErrorFrame(first('data: {"object":"error","message":"x","code":400}\n\n'))).toBe(true);
    expect(chat.isErrorFrame(first('data: {"id":"c","choices":[{"delta":{"content":"{\\"error\\""}}]}\n\n'))).toBe(false);
    expect(chat.isErrorFrame(first('data: [DONE]\n\n'))).toBe(false);
    expect(dialectFor('completions')!.isErrorFrame(first('data: {"error":{"message":"x"}}\n\n'))).toBe(true);
    const messages = dialectFor('messages')!;
    expect(messages.isErrorFrame(first('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"x"}}\n\n'))).toBe(true);
    expect(messages.isErrorFrame(first('event: message_stop\ndata: {"type":"message_stop"}\n\n'))).toBe(false);
    const responses = dialectFor('responses')!;
    expect(responses.isErrorFrame(first('event: error\ndata: {"type":"error","message":"x"}\n\n'))).toBe(true);
    expect(responses.isErrorFrame(first('event: response.failed\ndata: {"type":"response.failed"}\n\n'))).toBe(true);
    expect(responses.isErrorFrame(first('event: response.completed\ndata: {"type":"response.completed"}\n\n'))).toBe(false);
  });
});
