import { describe, expect, it } from 'vitest';
import { createSseParser, type SseFrame } from './parser.js';

/** All frames of the given chunks. */
function parseSseFrames(chunks: readonly Uint8Array[]): SseFrame[] {
  const frames: SseFrame[] = [];
  const parser = createSseParser({ onFrame: (f) => frames.push(f) });
  for (const c of chunks) parser.push(c);
  parser.end();
  return frames;
}

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const text = (u: Uint8Array): string => Buffer.from(u).toString('utf8');

/** Splits `input` into chunks of `size` bytes (the last may be shorter). */
function chunked(input: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < input.length; i += size) out.push(input.subarray(i, i + size));
  return out;
}

/** Parses `input` in every chunking from 1 byte to whole and checks all agree. */
function framesAllChunkings(input: string): SseFrame[] {
  const b = bytes(input);
  const whole = parseSseFrames([b]);
  for (const size of [1, 2, 3, 7, 13]) {
    const frames = parseSseFrames(chunked(b, size));
    expect(frames.map((f) => text(f.raw))).toEqual(whole.map((f) => text(f.raw)));
    expect(frames.map((f) => [f.event, f.data, f.isComment, f.complete, f.start])).toEqual(
      whole.map((f) => [f.event, f.data, f.isComment, f.complete, f.start]),
    );
  }
  // Every byte lands in exactly one frame.
  expect(whole.map((f) => text(f.raw)).join('')).toBe(input);
  return whole;
}

describe('createSseParser framing', () => {
  it('splits LF-framed data events (vLLM chat) and keeps raw bytes', () => {
    const input = 'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n';
    const frames = framesAllChunkings(input);
    expect(frames.map((f) => f.data)).toEqual(['{"a":1}', '{"b":2}', '[DONE]']);
    expect(frames.map((f) => f.start)).toEqual([0, 15, 30]);
    expect(frames.every((f) => f.complete && !f.isComment && f.event === undefined)).toBe(true);
  });

  it('reads named events (Anthropic, Responses)', () => {
    const frames = framesAllChunkings('event: message_start\ndata: {"type":"message_start"}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n');
    expect(frames.map((f) => f.event)).toEqual(['message_start', 'message_stop']);
    expect(frames[1]?.data).toBe('{"type":"message_stop"}');
  });

  it('handles CRLF and CR line endings, including a CRLF blank line split across chunks', () => {
    const crlf = framesAllChunkings('event: a\r\ndata: 1\r\n\r\ndata: 2\r\n\r\n');
    expect(crlf.map((f) => [f.event, f.data])).toEqual([['a', '1'], [undefined, '2']]);
    expect(text(crlf[0]!.raw)).toBe('event: a\r\ndata: 1\r\n\r\n');
    const cr = framesAllChunkings('data: 1\r\rdata: 2\r\r');
    expect(cr.map((f) => f.data)).toEqual(['1', '2']);
    const mixed = framesAllChunkings('data: 1\n\r\ndata: 2\r\n\n');
    expect(mixed.map((f) => f.data)).toEqual(['1', '2']);
  });

  it('passes comments and heartbeats as comment frames', () => {
    const frames = framesAllChunkings(': ping\n\ndata: x\n\n:\n\n');
    expect(frames.map((f) => [f.isComment, f.data])).toEqual([[true, undefined], [false, 'x'], [true, undefined]]);
  });

  it('keeps comments inside an event as part of it', () => {
    const [f] = framesAllChunkings(': hi\ndata: x\n\n');
    expect(f?.data).toBe('x');
    expect(f?.isComment).toBe(false);
  });

  it('emits stray blank lines as their own comment-like frames so no byte is lost', () => {
    const frames = framesAllChunkings('\n\ndata: x\n\n\n');
    expect(frames.map((f) => text(f.raw))).toEqual(['\n', '\n', 'data: x\n\n', '\n']);
    expect(frames[0]?.isComment).toBe(true);
  });

  it('joins multi-line data with LF and drops one leading space only', () => {
    const [f] = framesAllChunkings('data:a\ndata:  b\ndata\n\n');
    expect(f?.data).toBe('a\n b\n');
  });

  it('ignores unknown fields, id and retry', () => {
    const [f] = framesAllChunkings('id: 7\nretry: 10\nfoo: bar\ndata: x\n\n');
    expect([f?.event, f?.data, f?.isComment]).toEqual([undefined, 'x', false]);
  });

  it('decodes a multi-byte UTF-8 code point split across chunks', () => {
    const input = 'data: {"t":"héllo 世界 🎉"}\n\n';
    const frames = framesAllChunkings(input);
    expect(frames[0]?.data).toBe('{"t":"héllo 世界 🎉"}');
  });

  it('ignores a leading BOM for fields but keeps it in raw', () => {
    const input = '\uFEFFdata: x\n\n';
    const frames = framesAllChunkings(input);
    expect(frames[0]?.data).toBe('x');
    expect(frames[0]?.raw.length).toBe(bytes(input).length);
  });

  it('emits an unterminated rest at end() as an incomplete frame', () => {
    const frames = framesAllChunkings('data: a\n\ndata: b');
    expect(frames.map((f) => [text(f.raw), f.complete])).toEqual([['data: a\n\n', true], ['data: b', false]]);
    expect(frames[1]?.data).toBeUndefined();
  });

  it('a frame ending in a CR blank line at the very end is complete', () => {
    const frames = parseSseFrames([bytes('data: a\r\r')]);
    expect(frames.map((f) => [f.data, f.complete])).toEqual([['a', true]]);
  });

  it('passes frames larger than maxFrameBytes in incomplete pieces without losing bytes', () => {
    const big = 'data: ' + 'x'.repeat(100) + '\n\n';
    const input = bytes('data: a\n\n' + big + 'data: b\n\n');
    const frames: SseFrame[] = [];
    const p = createSseParser({ maxFrameBytes: 32, onFrame: (f) => frames.push(f) });
    for (const c of chunked(input, 10)) p.push(c);
    p.end();
    expect(frames.map((f) => text(f.raw)).join('')).toBe(text(input));
    expect(frames[0]?.data).toBe('a');
    expect(frames.at(-1)?.data).toBe('b');
    const middle = frames.slice(1, -1);
    expect(middle.length).toBeGreaterThan(1);
    expect(middle.every((f) => !f.complete && f.data === undefined)).toBe(true);
  });

  it('returns zero-copy views for frames inside one chunk', () => {
    const chunk = bytes('data: a\n\ndata: b\n\n');
    const frames = parseSseFrames([chunk]);
    expect(frames[1]?.raw.buffer).toBe(chunk.buffer);
    expect(frames[1]?.raw.byteOffset).toBe(chunk.byteOffset + 9);
  });

  it('counts offsets across pushes', () => {
    const starts: number[] = [];
    const p = createSseParser({ onFrame: (f) => starts.push(f.start) });
    p.push(bytes('data: 1\n'));
    p.push(bytes('\ndata: 22\n\n'));
    expect(starts).toEqual([0, 9]);
    expect(p.offset).toBe(19);
  });

  it('replays a recorded Anthropic stream byte-exactly at every chunking', () => {
    const input = [
      'event: message_start\ndata: {"type":"message_start","message":{"id":"chatcmpl-1","content":[],"model":"m","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":0}}}\n\n',
      'event: content_block_start\ndata: {"type":"content_block_start","content_block":{"type":"text","text":""},"index":0}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"Hi"},"index":0}\n\n',
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":9,"output_tokens":1}}\n\n',
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    ].join('');
    const frames = framesAllChunkings(input);
    expect(frames.map((f) => f.event)).toEqual([
      'message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop',
    ]);
  });
});
