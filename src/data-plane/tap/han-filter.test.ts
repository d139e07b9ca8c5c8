import { describe, expect, it } from 'vitest';
import { proxyRequest } from '../../../test/helpers/shaping.js';
import { createSseParser } from '../../core/sse/parser.js';
import { SSE_DONE, formatSseComment, formatSseData, formatSseEvent } from '../../core/sse/writer.js';
import type { Endpoint, RequestFacts } from '../context.js';
import { parseEvent } from '../dialects/parse-event.js';
import { dialectFor } from '../dialects/index.js';
import { HanFilter, hanFilterApplies, hanFilterFor, mayHoldHan } from './han-filter.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function facts(endpoint: Endpoint, userScript: RequestFacts['userScript'] = 'other'): RequestFacts {
  return proxyRequest(endpoint, {}, { userScript }).facts;
}

/** Runs `input` through the real parser in `size`-byte chunks and the filter; returns the output bytes and per-frame verdicts. */
function run(endpoint: Endpoint, input: string, size: number): { out: string; replaced: number; kept: string[] } {
  const filter = new HanFilter(endpoint);
  const parts: Uint8Array[] = [];
  const kept: string[] = [];
  let replaced = 0;
  const parser = createSseParser({
    onFrame(frame) {
      // As the tap does: the frame is parsed only when an observer wants it.
      const v = filter.onFrame(frame, filter.wants(frame) ? parseEvent(frame) : undefined);
      if (v === 'keep') {
        parts.push(frame.raw);
        kept.push(dec.decode(frame.raw));
      } else if (v === 'drop') {
        throw new Error('the Han filter never drops a frame');
      } else {
        replaced++;
        parts.push(typeof v.replace === 'string' ? enc.encode(v.replace) : v.replace);
      }
    },
  });
  const bytes = enc.encode(input);
  for (let i = 0; i < bytes.length; i += size) parser.push(bytes.slice(i, i + size));
  parser.end();
  return { out: Buffer.concat(parts).toString('utf8'), replaced, kept };
}

const chunk = (delta: object, finish: string | null = null) => ({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
const toolCall = { index: 0, id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"北京"}' } };
const toolDelta = { tool_calls: [toolCall] };

const chatIn = [
  formatSseData(chunk({ role: 'assistant', content: '' })),
  formatSseComment('ping'),
  formatSseData(chunk({ reasoning: '用户 asks' })),
  formatSseData(chunk({ content: 'Hello 世界，' })),
  formatSseData(chunk({ content: ' plain' })),
  formatSseData(chunk(toolDelta)),
  formatSseData(chunk({ content: '𠮷!' }, 'stop')),
  formatSseData({ id: 'c1', choices: [], usage: { prompt_tokens: 3, completion_tokens: 5 } }),
  SSE_DONE,
].join('');

const chatWant = [
  formatSseData(chunk({ role: 'assistant', content: '' })),
  formatSseComment('ping'),
  formatSseData(chunk({ reasoning: ' asks' })),
  formatSseData(chunk({ content: 'Hello ' })),
  formatSseData(chunk({ content: ' plain' })),
  formatSseData(chunk(toolDelta)),
  formatSseData(chunk({ content: '!' }, 'stop')),
  formatSseData({ id: 'c1', choices: [], usage: { prompt_tokens: 3, completion_tokens: 5 } }),
  SSE_DONE,
].join('');

const anthropicIn = [
  formatSseEvent('message_start', { type: 'message_start', message: { id: 'm', content: [], usage: { input_tokens: 3, output_tokens: 0 } } }),
  formatSseEvent('content_block_start', { type: 'content_block_start', content_block: { type: 'thinking', thinking: '' }, index: 0 }),
  formatSseEvent('content_block_delta', { type: 'content_block_delta', delta: { type: 'thinking_delta', thinking: '思考 ok' }, index: 0 }),
  formatSseEvent('content_block_delta', { type: 'content_block_delta', delta: { type: 'signature_delta', signature: 'abc' }, index: 0 }),
  formatSseEvent('content_block_start', { type: 'content_block_start', content_block: { type: 'text', text: '' }, index: 1 }),
  formatSseEvent('content_block_delta', { type: 'content_block_delta', delta: { type: 'text_delta', text: 'Answer：数据 done' }, index: 1 }),
  formatSseEvent('content_block_start', { type: 'content_block_start', content_block: { type: 'tool_use', id: 't', name: 'n', input: {} }, index: 2 }),
  formatSseEvent('content_block_delta', { type: 'content_block_delta', delta: { type: 'input_json_delta', partial_json: '{"q":"天气"}' }, index: 2 }),
  formatSseEvent('message_stop', { type: 'message_stop' }),
].join('');

describe('han-filter observer over the real SSE parser', () => {
  // Han text is stripped, tool-use chunks are not filtered, each data:
  // JSON payload is parsed, filtered and re-serialised; chunkings split frames and UTF-8 characters.
  for (const size of [1, 2, 7, 64, 1 << 20]) {
    it(`chat stream, ${size}-byte chunks: content and reasoning stripped, tool call and other frames byte-exact`, () => {
      const r = run('chat', chatIn, size);
      expect(r.out).toBe(chatWant);
      expect(r.replaced).toBe(3);
      expect(r.kept).toContain(formatSseData(chunk(toolDelta)));
      expect(r.kept).toContain(': ping\n\n');
      expect(r.kept).toContain(SSE_DONE);
    });

    it(`anthropic stream, ${size}-byte chunks: text and thinking deltas stripped, input_json untouched`, () => {
      const r = run('messages', anthropicIn, size);
      expect(r.replaced).toBe(2);
      expect(r.out).toBe(
        anthropicIn
          .replace('"thinking":"思考 ok"', '"thinking":" ok"')
          .replace('"text":"Answer：数据 done"', '"text":"Answer done"'),
      );
      expect(r.out).toContain('"partial_json":"{\\"q\\":\\"天气\\"}"');
    });
  }

  it('a stream with nothing to strip comes out byte-identical (no frame re-serialised)', () => {
    const input = chatWant.replace(/\n/g, '\r\n');
    const r = run('chat', input, 3);
    expect(r.out).toBe(input);
    expect(r.replaced).toBe(0);
  });

  it('a completions stream strips choices[].text', () => {
    const input = formatSseData({ choices: [{ index: 0, text: '，我 ok', finish_reason: null }] }) + SSE_DONE;
    expect(run('completions', input, 5).out).toBe(formatSseData({ choices: [{ index: 0, text: ' ok', finish_reason: null }] }) + SSE_DONE);
  });

  it('a responses stream keeps its event names', () => {
    const input = formatSseEvent('response.output_text.delta', { type: 'response.output_text.delta', delta: '中a', sequence_number: 3 });
    expect(run('responses', input, 4).out).toBe(formatSseEvent('response.output_text.delta', { type: 'response.output_text.delta', delta: 'a', sequence_number: 3 }));
  });
});

describe('hanFilterApplies', () => {
  const rows: Array<[string, Endpoint, RequestFacts['userScript'], boolean, boolean]> = [
    ['off by default', 'chat', 'other', false, false],
    ['on, English user → applies', 'chat', 'other', true, true],
    ['on, Korean user → applies (Hangul is not affected)', 'messages', 'korean', true, true],
    ['on, Chinese user → output preserved', 'chat', 'han', true, false],
    ['on, Japanese user → output preserved', 'responses', 'japanese', true, false],
    ['on, completions → applies', 'completions', 'other', true, true],
    ['embeddings have no text output', 'embeddings', 'other', true, false],
  ];
  for (const [name, endpoint, script, on, want] of rows) it(name, () => expect(hanFilterApplies(facts(endpoint, script), on)).toBe(want));
});

describe('hanFilterFor (observer factory)', () => {
  const ctx = (endpoint: Endpoint, script: RequestFacts['userScript'], stripHan: boolean) => ({ facts: facts(endpoint, script), dialect: dialectFor(endpoint)!, stripHan });
  it('off → no observer', () => expect(hanFilterFor(ctx('chat', 'other', false))).toBeUndefined());
  it('Chinese user → no observer', () => expect(hanFilterFor(ctx('chat', 'han', true))).toBeUndefined());
  it('English user → a modifying observer, one instance per endpoint', () => {
    const a = hanFilterFor(ctx('messages', 'other', true));
    expect(a?.name).toBe('han-filter');
    expect(a?.modifies).toBe(true);
    expect(hanFilterFor(ctx('messages', 'korean', true))).toBe(a);
  });
});

describe('mayHoldHan (which frames are parsed at all)', () => {
  const rows: Array<[string, boolean]> = [
    ['data: {"content":"plain ascii"}', false],
    ['data: {"content":"curly ’quotes’ … and é ü"}', false],
    ['data: {"content":"안녕"}', false],
    ['data: {"content":"你"}', true],
    ['data: {"content":"，"}', true],
    ['data: {"content":"！"}', true],
    ['data: {"content":"⺀"}', true],
    ['data: {"content":"\u4f60"}', true],
    ['data: {"content":"𠮷"}', true],
    ['data: {"content":"ひ"}', true],
  ];
  for (const [text, want] of rows) it(`${text} → ${want}`, () => expect(mayHoldHan(enc.encode(text))).toBe(want));
});

describe('HanFilter.onBody (non-stream)', () => {
  const body = { choices: [{ message: { role: 'assistant', content: 'Hi 你好', tool_calls: [toolCall] } }] };
  it('strips a chat body so it matches the streamed text', () => {
    expect(new HanFilter('chat').onBody(body)).toEqual({ choices: [{ message: { role: 'assistant', content: 'Hi ', tool_calls: [toolCall] } }] });
  });
  it('nothing to strip: the same body object back (upstream bytes sent as they are)', () => {
    const plain = { choices: [{ message: { content: 'Hi' } }] };
    expect(new HanFilter('chat').onBody(plain)).toBe(plain);
  });
});
