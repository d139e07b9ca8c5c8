import { describe, expect, it } from 'vitest';
import { createSseEventReader } from './sse-parser';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('SSE event reader', () => {
  it('dispatches events split anywhere, including inside CRLF and a multi-byte character', () => {
    const text = 'event: content_block_delta\r\ndata: {"t":"é"}\r\n\r\n: ping\r\n\r\ndata: [DONE]\r\n\r\n';
    const all = bytes(text);
    for (let cut = 1; cut < all.length; cut++) {
      const r = createSseEventReader();
      const events = [...r.push(all.slice(0, cut)), ...r.push(all.slice(cut)), ...r.end()];
      expect(events).toEqual([
        { event: 'content_block_delta', data: '{"t":"é"}' },
        { event: 'message', data: '[DONE]' },
      ]);
    }
  });

  it('joins multi-line data and drops an unterminated last event', () => {
    const r = createSseEventReader();
    expect(r.push(bytes('data: a\ndata: b\n\ndata: partial'))).toEqual([{ event: 'message', data: 'a\nb' }]);
    expect(r.end()).toEqual([]);
  });
});
