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

describe('outputDelta: a stream frame carrying one generated token, reasoning or the rest', () => {
  it('chat: content, reasoning (either name, counted once) and tool-call deltas; not the role chunk, the usage chunk or [DONE]', () => {
    const chat = dialectFor('chat')!;
    const kind = (t: string) => chat.outputDelta(first(t));
    expect(kind('data: {"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n')).toBe('output');
    expect(kind('data: {"choices":[{"index":0,"delta":{"reasoning":"so","reasoning_content":"so"}}]}\n\n')).toBe('reasoning');
    expect(kind('data: {"choices":[{"index":0,"delta":{"reasoning_content":"so","content":null}}]}\n\n')).toBe('reasoning');
    expect(kind('data: {"choices": [{"delta": {"content": "spaced"}}]}\n\n')).toBe('output');
    expect(kind('data: {"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\""}}]}}]}\n\n')).toBe('output');
    expect(kind('data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n')).toBeUndefined();
    // The output member need not come first.
    expect(kind('data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]}\n\n')).toBe('output');
    expect(kind('data: {"choices":[{"index":0,"delta":{"reasoning_content":null,"content":"x"}}]}\n\n')).toBe('output');
    expect(kind('data: {"choices":[{"index":0,"delta":{"content":"","reasoning":"x"}}]}\n\n')).toBe('reasoning');
    expect(kind('data: {"choices":[{"index":0,"delta":{"role":"assistant","reasoning":"x"}}]}\n\n')).toBe('reasoning');
    expect(kind('data: {"choices":[{"index":0,"delta":{},"logprobs":{"content":[{"token":"x"}]},"finish_reason":"stop"}]}\n\n')).toBeUndefined();
    expect(kind('data: {"choices":[{"index":0,"delta":{"content":"\\"content\\":\\"x"}}]}\n\n')).toBe('output');
    expect(kind('data: {"choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop"}]}\n\n')).toBeUndefined();
    expect(kind('data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}\n\n')).toBeUndefined();
    expect(kind('data: [DONE]\n\n')).toBeUndefined();
    expect(kind(': ping\n\n')).toBeUndefined();
    expect(kind('data: {"choices":[{"delta":{"content":"cut')).toBeUndefined();
  });

  it('completions, responses and messages: their text, reasoning and tool-input deltas only', () => {
    const completions = dialectFor('completions')!;
    expect(completions.outputDelta(first('data: {"choices":[{"index":0,"text":" word","finish_reason":null}]}\n\n'))).toBe('output');
    expect(completions.outputDelta(first('data: {"choices":[{"index":0,"text":"","finish_reason":"length"}]}\n\n'))).toBeUndefined();
    const responses = dialectFor('responses')!;
    expect(responses.outputDelta(first('event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"x"}\n\n'))).toBe('output');
    expect(responses.outputDelta(first('event: response.reasoning_text.delta\ndata: {"delta":"x"}\n\n'))).toBe('reasoning');
    expect(responses.outputDelta(first('event: response.reasoning_summary_text.delta\ndata: {"delta":"x"}\n\n'))).toBe('reasoning');
    expect(responses.outputDelta(first('event: response.function_call_arguments.delta\ndata: {"delta":"{"}\n\n'))).toBe('output');
    expect(responses.outputDelta(first('event: response.output_text.done\ndata: {"text":"x"}\n\n'))).toBeUndefined();
    const messages = dialectFor('messages')!;
    expect(messages.outputDelta(first('event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"x"},"index":0}\n\n'))).toBe('output');
    expect(messages.outputDelta(first('event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"thinking_delta","thinking":"x"},"index":0}\n\n'))).toBe('reasoning');
    expect(messages.outputDelta(first('event: content_block_delta\ndata: {"delta":{"type":"input_json_delta","partial_json":"{"}}\n\n'))).toBe('output');
    expect(messages.outputDelta(first('event: content_block_delta\ndata: {"delta":{"type":"signature_delta","signature":"ab"}}\n\n'))).toBeUndefined();
    expect(messages.outputDelta(first('event: message_delta\ndata: {"usage":{"output_tokens":3}}\n\n'))).toBeUndefined();
    expect(dialectFor('embeddings')!.outputDelta(first('data: {"content":"x"}\n\n'))).toBeUndefined();
  });
});
