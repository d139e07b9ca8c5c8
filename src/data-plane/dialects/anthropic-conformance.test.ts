import { describe, expect, it } from 'vitest';
import { createSseParser, type SseFrame } from '../../core/sse/parser.js';
import { anthropicConformer } from './anthropic-conformance.js';
import { parseEvent } from './parse-event.js';

function frameOf(text: string): SseFrame {
  const out: SseFrame[] = [];
  const p = createSseParser({ onFrame: (f) => out.push(f) });
  p.push(Buffer.from(text));
  p.end();
  return out[0]!;
}

describe('Anthropic conformer', () => {
  it('message_start: type and role after the id, the rest in the backend order; an Anthropic one is the same reference', () => {
    const c = anthropicConformer();
    const f = frameOf('event: message_start\ndata: {"type":"message_start","message":{"id":"m1","content":[],"model":"x","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":0}}}\n\n');
    expect(c.wants(f)).toBe(true);
    const ev = parseEvent(f)!;
    expect(JSON.stringify(c.event(ev))).toBe('{"type":"message_start","message":{"id":"m1","type":"message","role":"assistant","content":[],"model":"x","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":0}}}');
    const whole = parseEvent(frameOf('event: message_start\ndata: {"type":"message_start","message":{"id":"m1","type":"message","role":"assistant","content":[],"stop_reason":null,"stop_sequence":null}}\n\n'))!;
    expect(c.event(whole)).toBe(whole.data);
  });

  it('message_delta: stop_sequence null; end_turn becomes tool_use only after a tool_use block started', () => {
    const plain = anthropicConformer();
    const delta = parseEvent(frameOf('event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":5}}\n\n'))!;
    expect(plain.event(delta)).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } });
    const tools = anthropicConformer();
    const text = frameOf('event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n');
    expect(tools.wants(text)).toBe(false);
    const start = frameOf('event: content_block_start\ndata: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"f","input":{}}}\n\n');
    expect(tools.wants(start)).toBe(true);
    const ev = parseEvent(start)!;
    expect(tools.event(ev)).toBe(ev.data);
    expect(tools.event(delta)).toEqual({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 5 } });
    // A max_tokens stop stays what it is.
    const cut = parseEvent(frameOf('event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null}}\n\n'))!;
    expect(tools.event(cut)).toBe(cut.data);
  });

  it('a JSON body: stop_sequence null, tool_use when it calls a tool; an error body and a conforming body untouched', () => {
    const c = anthropicConformer();
    expect(c.body({ id: 'm', type: 'message', role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }], stop_reason: 'end_turn', usage: {} })).toEqual({
      id: 'm', type: 'message', role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }], stop_reason: 'tool_use', usage: {}, stop_sequence: null,
    });
    const err = { type: 'error', error: { type: 'api_error', message: 'x' } };
    expect(c.body(err)).toBe(err);
    const ok = { id: 'm', type: 'message', role: 'assistant', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', stop_sequence: null };
    expect(c.body(ok)).toBe(ok);
  });
});
