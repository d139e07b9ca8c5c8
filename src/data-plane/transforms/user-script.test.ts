import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../core/json.js';
import type { Endpoint } from '../context.js';
import { userScriptOf } from './user-script.js';

// The script is detected from the code points of the user's own messages only (docs/shaping.md).
const rows: Array<{ what: string; endpoint: Endpoint; body: JsonObject; want: string }> = [
  { what: 'chat user message in Chinese', endpoint: 'chat', body: { messages: [{ role: 'user', content: '你好' }] }, want: 'han' },
  { what: 'only user messages count: a Chinese system prompt does not', endpoint: 'chat', body: { messages: [{ role: 'system', content: '你是助手' }, { role: 'user', content: 'hello' }] }, want: 'other' },
  { what: 'assistant turns do not count', endpoint: 'chat', body: { messages: [{ role: 'assistant', content: '好的' }, { role: 'user', content: 'ok' }] }, want: 'other' },
  { what: 'chat text parts, Japanese', endpoint: 'chat', body: { messages: [{ role: 'user', content: [{ type: 'text', text: 'これは何' }] }] }, want: 'japanese' },
  { what: 'kana in a later message beats Han in an earlier one', endpoint: 'chat', body: { messages: [{ role: 'user', content: '漢字' }, { role: 'user', content: 'ですか' }] }, want: 'japanese' },
  { what: 'messages: Korean', endpoint: 'messages', body: { messages: [{ role: 'user', content: [{ type: 'text', text: '안녕하세요' }] }] }, want: 'korean' },
  { what: 'messages: tool_result content is not what the user wrote', endpoint: 'messages', body: { messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: '文件内容' }, { type: 'text', text: 'continue' }] }] }, want: 'other' },
  { what: 'responses: input string', endpoint: 'responses', body: { input: '中文' }, want: 'han' },
  { what: 'responses: user items with input_text', endpoint: 'responses', body: { input: [{ role: 'user', content: [{ type: 'input_text', text: '中文' }] }] }, want: 'han' },
  { what: 'responses: function_call_output items do not count', endpoint: 'responses', body: { input: [{ type: 'function_call_output', call_id: 'c', output: '中文' }, { role: 'user', content: 'hi' }] }, want: 'other' },
  { what: 'completions: prompt array of strings', endpoint: 'completions', body: { prompt: ['hello', '世界'] }, want: 'han' },
  { what: 'English conversation', endpoint: 'chat', body: { messages: [{ role: 'user', content: 'Three primes greater than 100.' }] }, want: 'other' },
  { what: 'malformed messages are just not user text', endpoint: 'chat', body: { messages: 'x' }, want: 'other' },
];

describe('userScriptOf', () => {
  for (const r of rows) it(r.what, () => expect(userScriptOf(r.endpoint, r.body)).toBe(r.want));
});
