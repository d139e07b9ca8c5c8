import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../core/json.js';
import type { Endpoint } from '../context.js';
import { payloadTextBytes } from './payload-text.js';

// The cap estimates input as `utf8_bytes(payload_text) // 3`; docs/shaping.md defines payload_text.
const rows: Array<{ what: string; endpoint: Endpoint; body: JsonObject; want: number }> = [
  // "role"(4) + "user"(4) + "content"(7) + "hello"(5) = 20
  { what: 'chat: keys and strings of messages', endpoint: 'chat', body: { model: 'ignored-model-name', max_tokens: 10, messages: [{ role: 'user', content: 'hello' }] }, want: 20 },
  // tools: "type"4+"function"8+"function"8+"name"4+"f"1 = 25
  { what: 'chat: tool definitions count', endpoint: 'chat', body: { tools: [{ type: 'function', function: { name: 'f' } }] }, want: 25 },
  { what: 'messages: system string counts', endpoint: 'messages', body: { system: 'abc', messages: [] }, want: 3 },
  // parts: "type"4 + "text"4 + "text"4 + "hi"2 = 14 ; image part 0
  { what: 'media parts count 0', endpoint: 'messages', body: { messages: [{ content: [{ type: 'text', text: 'hi' }, { type: 'image', source: { type: 'base64', data: 'A'.repeat(10_000) } }] }] }, want: 'content'.length + 14 },
  { what: 'chat image_url part counts 0', endpoint: 'chat', body: { messages: [{ content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }] }, want: 'content'.length },
  { what: 'completions: prompt string', endpoint: 'completions', body: { prompt: 'abcdef', max_tokens: 5 }, want: 6 },
  { what: 'completions: token ids count 3 each (one token)', endpoint: 'completions', body: { prompt: [1, 2, 3, 4] }, want: 12 },
  { what: 'responses: instructions + input', endpoint: 'responses', body: { instructions: 'be brief', input: 'hello' }, want: 13 },
  { what: 'numbers and booleans outside a prompt are not text', endpoint: 'chat', body: { messages: [{ n: 12345, b: true, z: null }] }, want: 3 },
  // 你 and 好 are three bytes each (a token each in // 3), 🎉 four, é two.
  { what: 'non-ASCII counts in UTF-8 bytes (JSON escapes do not matter)', endpoint: 'chat', body: { messages: ['你好🎉', 'caf\u00e9'] }, want: 15 },
  { what: 'a non-ASCII key counts in bytes too', endpoint: 'chat', body: { messages: [{ 'é': 'x' }] }, want: 3 },
  { what: 'endpoints without prompt fields', endpoint: 'embeddings', body: { input: 'x' }, want: 0 },
];

describe('payloadTextBytes', () => {
  for (const r of rows) it(r.what, () => expect(payloadTextBytes(r.endpoint, r.body)).toBe(r.want));
});
