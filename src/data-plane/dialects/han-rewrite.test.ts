import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../core/json.js';
import type { Endpoint } from '../context.js';
import { stripHanFromBody, stripHanFromEvent } from './index.js';

interface Row {
  readonly what: string;
  readonly endpoint: Endpoint;
  readonly data: JsonValue;
  /** undefined = unchanged (same reference). */
  readonly want?: JsonValue;
}

const toolCall = { index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"北京"}' } };

// Han ideographs and CJK punctuation are stripped from the output's natural-language text;
// tool-use chunks are not filtered (their arguments are data).
const events: readonly Row[] = [
  { what: 'chat content delta', endpoint: 'chat', data: { choices: [{ index: 0, delta: { content: 'Hi 你好，there' }, finish_reason: null }] }, want: { choices: [{ index: 0, delta: { content: 'Hi there' }, finish_reason: null }] } },
  { what: 'chat content delta with nothing to strip is the same object', endpoint: 'chat', data: { choices: [{ index: 0, delta: { content: 'Hello' } }] } },
  { what: 'chat tool-call delta is not filtered', endpoint: 'chat', data: { choices: [{ index: 0, delta: { tool_calls: [toolCall] } }] } },
  { what: 'chat chunk with content and tool_calls: only content changes', endpoint: 'chat', data: { choices: [{ delta: { content: '模型x', tool_calls: [toolCall] } }] }, want: { choices: [{ delta: { content: 'x', tool_calls: [toolCall] } }] } },
  { what: 'chat reasoning delta (modern) is filtered', endpoint: 'chat', data: { choices: [{ delta: { reasoning: '思考 ok' } }] }, want: { choices: [{ delta: { reasoning: ' ok' } }] } },
  { what: 'chat reasoning_content (legacy/dual) is filtered', endpoint: 'chat', data: { choices: [{ delta: { reasoning: '数据', reasoning_content: '数据' } }] }, want: { choices: [{ delta: { reasoning: '', reasoning_content: '' } }] } },
  { what: 'second choice changes, first keeps its identity', endpoint: 'chat', data: { choices: [{ index: 0, delta: { content: 'a' } }, { index: 1, delta: { content: 'b。' } }] }, want: { choices: [{ index: 0, delta: { content: 'a' } }, { index: 1, delta: { content: 'b' } }] } },
  { what: 'chat usage-only chunk untouched', endpoint: 'chat', data: { choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } } },
  { what: 'chat error frame untouched', endpoint: 'chat', data: { error: { message: '错误' } } },
  { what: 'completions text', endpoint: 'completions', data: { choices: [{ index: 0, text: '，我有一个问题 ok' }] }, want: { choices: [{ index: 0, text: ' ok' }] } },
  { what: 'anthropic text_delta', endpoint: 'messages', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'A 中文 B' } }, want: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'A  B' } } },
  { what: 'anthropic thinking_delta is filtered', endpoint: 'messages', data: { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: '推理x' } }, want: { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'x' } } },
  { what: 'anthropic input_json_delta is not filtered', endpoint: 'messages', data: { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":"北京"}' } } },
  { what: 'anthropic tool_use block start is not filtered', endpoint: 'messages', data: { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't', name: 'n', input: { q: '天气' } } } },
  { what: 'anthropic text block start', endpoint: 'messages', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '你' } }, want: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
  { what: 'anthropic signature_delta untouched', endpoint: 'messages', data: { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'abc' } } },
  { what: 'anthropic message_delta untouched', endpoint: 'messages', data: { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } } },
  { what: 'responses output_text.delta', endpoint: 'responses', data: { type: 'response.output_text.delta', delta: '你好 hi', sequence_number: 5 }, want: { type: 'response.output_text.delta', delta: ' hi', sequence_number: 5 } },
  { what: 'responses reasoning_text.delta', endpoint: 'responses', data: { type: 'response.reasoning_text.delta', delta: '想' }, want: { type: 'response.reasoning_text.delta', delta: '' } },
  { what: 'responses output_text.done', endpoint: 'responses', data: { type: 'response.output_text.done', text: 'a。' }, want: { type: 'response.output_text.done', text: 'a' } },
  { what: 'responses function_call_arguments.delta is not filtered', endpoint: 'responses', data: { type: 'response.function_call_arguments.delta', delta: '{"q":"天气"}' } },
  { what: 'responses content_part.done', endpoint: 'responses', data: { type: 'response.content_part.done', part: { type: 'output_text', text: '文本x' } }, want: { type: 'response.content_part.done', part: { type: 'output_text', text: 'x' } } },
  { what: 'responses completed: message text filtered, function_call kept', endpoint: 'responses', data: { type: 'response.completed', response: { output: [{ type: 'message', content: [{ type: 'output_text', text: 'ok，' }] }, { type: 'function_call', arguments: '{"q":"天气"}' }] } }, want: { type: 'response.completed', response: { output: [{ type: 'message', content: [{ type: 'output_text', text: 'ok' }] }, { type: 'function_call', arguments: '{"q":"天气"}' }] } } },
  { what: 'unshaped endpoints pass', endpoint: 'embeddings', data: { choices: [{ delta: { content: '你' } }] } },
];

describe('stripHanFromEvent', () => {
  for (const r of events) {
    it(r.what, () => {
      const out = stripHanFromEvent(r.endpoint, r.data);
      if (r.want === undefined) expect(out).toBe(r.data);
      else {
        expect(out).toEqual(r.want);
        expect(out).not.toBe(r.data);
      }
    });
  }

  it('copies only the changed path', () => {
    const first = { index: 0, delta: { content: 'a' } };
    const data = { id: 'x', choices: [first, { index: 1, delta: { content: '你' } }] };
    const out = stripHanFromEvent('chat', data) as { choices: unknown[] };
    expect(out.choices[0]).toBe(first);
    expect(data.choices[1]!.delta.content).toBe('你');
  });
});

// The same rule applies to JSON bodies as to streams, so the text is the same either way.
const bodies: readonly Row[] = [
  { what: 'chat message content and reasoning', endpoint: 'chat', data: { choices: [{ message: { role: 'assistant', content: '答 A', reasoning: '想 R', tool_calls: [toolCall] } }] }, want: { choices: [{ message: { role: 'assistant', content: ' A', reasoning: ' R', tool_calls: [toolCall] } }] } },
  { what: 'chat null content untouched', endpoint: 'chat', data: { choices: [{ message: { content: null, tool_calls: [toolCall] } }] } },
  { what: 'completions text', endpoint: 'completions', data: { choices: [{ text: '中x' }] }, want: { choices: [{ text: 'x' }] } },
  { what: 'anthropic text and thinking blocks filtered, tool_use kept', endpoint: 'messages', data: { content: [{ type: 'thinking', thinking: '想', signature: 's' }, { type: 'text', text: 'a，b' }, { type: 'tool_use', id: 't', name: 'n', input: { q: '天' } }] }, want: { content: [{ type: 'thinking', thinking: '', signature: 's' }, { type: 'text', text: 'ab' }, { type: 'tool_use', id: 't', name: 'n', input: { q: '天' } }] } },
  { what: 'responses message and reasoning items', endpoint: 'responses', data: { output: [{ type: 'reasoning', content: [{ type: 'reasoning_text', text: '想r' }], summary: [] }, { type: 'message', content: [{ type: 'output_text', text: '好m' }] }] }, want: { output: [{ type: 'reasoning', content: [{ type: 'reasoning_text', text: 'r' }], summary: [] }, { type: 'message', content: [{ type: 'output_text', text: 'm' }] }] } },
];

describe('stripHanFromBody', () => {
  for (const r of bodies) {
    it(r.what, () => {
      const out = stripHanFromBody(r.endpoint, r.data);
      if (r.want === undefined) expect(out).toBe(r.data);
      else expect(out).toEqual(r.want);
    });
  }
});
