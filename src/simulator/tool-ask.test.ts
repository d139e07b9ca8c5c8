import { describe, expect, it } from 'vitest';
import { asksForToolCall, TOOL_MARKER } from './tool-ask.js';

describe('asksForToolCall', () => {
  it('finds the marker in the last user message of chat, messages and responses bodies', () => {
    expect(asksForToolCall({ messages: [{ role: 'user', content: `weather? ${TOOL_MARKER}` }] })).toBe(true);
    expect(asksForToolCall({ messages: [{ role: 'user', content: [{ type: 'text', text: TOOL_MARKER }] }] })).toBe(true);
    expect(asksForToolCall({ input: `go ${TOOL_MARKER}` })).toBe(true);
    expect(asksForToolCall({ input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: TOOL_MARKER }] }] })).toBe(true);
  });

  it('is false once a tool result or an assistant turn is last, or without the marker', () => {
    const ask = { role: 'user', content: TOOL_MARKER };
    expect(asksForToolCall({ messages: [ask, { role: 'assistant', content: null }, { role: 'tool', content: 'sunny' }] })).toBe(false);
    expect(asksForToolCall({ messages: [ask, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: TOOL_MARKER }] }] })).toBe(false);
    expect(asksForToolCall({ input: [ask, { type: 'function_call_output', call_id: 'c', output: 'ok' }] })).toBe(false);
    expect(asksForToolCall({ messages: [{ role: 'user', content: 'weather?' }] })).toBe(false);
    expect(asksForToolCall({})).toBe(false);
  });
});
