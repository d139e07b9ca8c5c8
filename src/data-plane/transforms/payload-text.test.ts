import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../core/json.js';
import type { Endpoint } from '../context.js';
import { payloadTextChars } from './payload-text.js';

// Seed 003 line 31: `estimated_input = len(payload_text_chars) // 3`; docs/shaping.md defines payload_text.
const rows: Array<{ seed: string; endpoint: Endpoint; body: JsonObject; want: number }> = [
  // "role"(4) + "user"(4) + "content"(7) + "hello"(5) = 20
  { seed: '003:31 chat: keys and strings of messages', endpoint: 'chat', body: { model: 'ignored-model-name', max_tokens: 10, messages: [{ role: 'user', content: 'hello' }] }, want: 20 },
  // tools: "type"4+"function"8+"function"8+"name"4+"f"1 = 25
  { seed: '003:31 chat: tool definitions count', endpoint: 'chat', body: { tools: [{ type: 'function', function: { name: 'f' } }] }, want: 25 },
  { seed: '003:31 messages: system string counts', endpoint: 'messages', body: { system: 'abc', messages: [] }, want: 3 },
  // parts: "type"4 + "text"4 + "text"4 + "hi"2 = 14 ; image part 0
  { seed: '003:31 media parts count 0', endpoint: 'messages', body: { messages: [{ content: [{ type: 'text', text: 'hi' }, { type: 'image', source: { type: 'base64', data: 'A'.repeat(10_000) } }] }] }, want: 'content'.length + 14 },
  { seed: '003:31 chat image_url part counts 0', endpoint: 'chat', body: { messages: [{ content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }] }, want: 'content'.length },
  { seed: '003:31 completions: prompt string', endpoint: 'completions', body: { prompt: 'abcdef', max_tokens: 5 }, want: 6 },
  { seed: '003:31 completions: token ids count 3 each (one token)', endpoint: 'completions', body: { prompt: [1, 2, 3, 4] }, want: 12 },
  { seed: '003:31 responses: instructions + input', endpoint: 'responses', body: { instructions: 'be brief', input: 'hello' }, want: 13 },
  { seed: '003:31 numbers and booleans outside a prompt are not text', endpoint: 'chat', body: { messages: [{ n: 12345, b: true, z: null }] }, want: 3 },
  { seed: '003:31 non-ASCII counts by UTF-16 unit (JSON escapes do not matter)', endpoint: 'chat', body: { messages: ['你好🎉'] }, want: 4 },
  { seed: '003:31 endpoints without prompt fields', endpoint: 'embeddings', body: { input: 'x' }, want: 0 },
];

describe('payloadTextChars', () => {
  for (const r of rows) it(r.seed, () => expect(payloadTextChars(r.endpoint, r.body)).toBe(r.want));
});
