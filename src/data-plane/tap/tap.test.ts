import { describe, expect, it } from 'vitest';
import type { RequestFacts } from '../context.js';
import { dialectFor, type Dialect } from '../dialects/index.js';
import { observersFor } from './observers.js';
import { SseTap } from './tap.js';
import { usageChunkFilterFor } from './usage-chunk-filter.js';
import { UsageMeter } from './usage-meter.js';

const CHAT = [
  'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n',
  ': ping\n\n',
  'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi \\"usage\\": no"},"finish_reason":"stop"}]}\n\n',
  'data: {"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":16,"total_tokens":36,"completion_tokens":20}}\n\n',
  'data: [DONE]\n\n',
];
const ANTHROPIC = [
  'event: message_start\ndata: {"type":"message_start","message":{"id":"m","content":[],"usage":{"input_tokens":9,"output_tokens":0}}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"message_stop"},"index":0}\n\n',
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":9,"output_tokens":12}}\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
];
const RESPONSES = [
  'event: response.created\ndata: {"type":"response.created","response":{"usage":null}}\n\n',
  'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Hi"}\n\n',
  'event: response.completed\ndata: {"type":"response.completed","response":{"usage":{"input_tokens":5,"input_tokens_details":{"cached_tokens":0},"output_tokens":7,"total_tokens":12}}}\n\n',
];

function facts(endpoint: RequestFacts['endpoint'], clientAskedForUsage: boolean): RequestFacts {
  return { endpoint, stream: true, clientAskedForUsage, userScript: 'other', payloadBytes: 0, requestedModel: undefined };
}

function chunked(text: string, size: number): Buffer[] {
  const b = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

/** Runs a whole stream through a tap; returns what the client got before and after the release. */
function run(dialect: Dialect, f: RequestFacts, input: string, size: number) {
  const meter = new UsageMeter(dialect);
  const observers = observersFor({ facts: f, dialect, stripHan: false }, meter, [usageChunkFilterFor]);
  const sent: Buffer[] = [];
  let terminalSeen = 0;
  const tap = new SseTap(dialect, observers, { send: (b) => sent.push(Buffer.from(b)) }, () => terminalSeen++);
  for (const c of chunked(input, size)) tap.push(c);
  tap.end();
  const beforeRelease = Buffer.concat(sent).toString();
  const held = Buffer.concat(tap.takeHeld().map((b) => Buffer.from(b))).toString();
  return { beforeRelease, held, usage: meter.usage(), terminalSeen, fast: !observers.some((o) => o.modifies), tap };
}

const SIZES = [1, 3, 7, 64, 100_000];

describe('SseTap', () => {
  for (const size of SIZES) {
    it(`fast path (client asked for usage): byte-exact, terminal held until release, usage metered — chunks of ${size}`, () => {
      const input = CHAT.join('');
      const r = run(dialectFor('chat')!, facts('chat', true), input, size);
      expect(r.fast).toBe(true);
      expect(r.beforeRelease + r.held).toBe(input);
      expect(r.held.endsWith('data: [DONE]\n\n')).toBe(true);
      expect(r.beforeRelease).not.toContain('[DONE]\n\n');
      expect(r.usage).toEqual({ promptTokens: 16, completionTokens: 20, cachedTokens: 0, reasoningTokens: 0 });
      expect(r.terminalSeen).toBe(1);
    });

    it(`framed path (client did not ask): drops only the usage-only chunk — chunks of ${size}`, () => {
      const r = run(dialectFor('chat')!, facts('chat', false), CHAT.join(''), size);
      expect(r.fast).toBe(false);
      expect(r.beforeRelease).toBe(CHAT[0]! + CHAT[1]! + CHAT[2]!);
      expect(r.held).toBe('data: [DONE]\n\n');
      expect(r.usage).toEqual({ promptTokens: 16, completionTokens: 20, cachedTokens: 0, reasoningTokens: 0 });
    });

    it(`Anthropic: message_start then cumulative message_delta, message_stop held — chunks of ${size}`, () => {
      const input = ANTHROPIC.join('');
      const r = run(dialectFor('messages')!, facts('messages', false), input, size);
      expect(r.beforeRelease + r.held).toBe(input);
      expect(r.held).toBe(ANTHROPIC[3]);
      expect(r.usage).toEqual({ promptTokens: 9, completionTokens: 12, cachedTokens: 0, reasoningTokens: 0 });
    });

    it(`Responses: usage from response.completed, which is also the held terminal frame — chunks of ${size}`, () => {
      const input = RESPONSES.join('');
      const r = run(dialectFor('responses')!, facts('responses', false), input, size);
      expect(r.beforeRelease + r.held).toBe(input);
      expect(r.held).toBe(RESPONSES[2]);
      expect(r.usage).toEqual({ promptTokens: 5, completionTokens: 7, cachedTokens: 0, reasoningTokens: 0 });
    });
  }

  it('keeps the usage reported so far when a stream stops early', () => {
    const r = run(dialectFor('messages')!, facts('messages', false), ANTHROPIC[0]! + ANTHROPIC[1]!, 10);
    expect(r.usage).toEqual({ promptTokens: 9, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 });
    expect(r.terminalSeen).toBe(0);
    expect(r.held).toBe('');
  });

  it('sends a frame only once it is complete, so an error frame can always follow cleanly', () => {
    const dialect = dialectFor('chat')!;
    const sent: string[] = [];
    const tap = new SseTap(dialect, [new UsageMeter(dialect)], { send: (b) => sent.push(Buffer.from(b).toString()) }, () => undefined);
    tap.push(Buffer.from(CHAT[0]! + 'data: {"id":'));
    expect(sent.join('')).toBe(CHAT[0]);
    expect(tap.atFrameBoundary).toBe(true);
    tap.push(Buffer.from('"c"}\n\n'));
    expect(sent.join('')).toBe(CHAT[0] + 'data: {"id":"c"}\n\n');
  });

  it('relays an unterminated rest as it is', () => {
    const input = CHAT[0]! + 'data: {"partial":';
    const r = run(dialectFor('chat')!, facts('chat', false), input, 5);
    expect(r.beforeRelease).toBe(input);
  });
});
