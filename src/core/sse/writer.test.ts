import { describe, expect, it } from 'vitest';
import { SSE_DONE, formatSseComment, formatSseData, formatSseEvent } from './writer.js';

describe('formatSseData', () => {
  it('serialises an object as one JSON data line, keeping key order', () => {
    expect(formatSseData({ b: 1, a: 'x' })).toBe('data: {"b":1,"a":"x"}\n\n');
  });

  it('writes strings verbatim', () => {
    expect(formatSseData('[DONE]')).toBe(SSE_DONE);
  });

  it('splits text with LF, CRLF and CR into several data lines', () => {
    expect(formatSseData('a\nb\r\nc\rd')).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
  });

  it('keeps empty lines as empty data lines', () => {
    expect(formatSseData('a\n\nb')).toBe('data: a\ndata: \ndata: b\n\n');
    expect(formatSseData('')).toBe('data: \n\n');
  });

  it('keeps escaped newlines inside JSON strings on one line', () => {
    expect(formatSseData({ t: 'x\ny' })).toBe('data: {"t":"x\\ny"}\n\n');
  });

  it('serialises null and numbers as JSON', () => {
    expect(formatSseData(null)).toBe('data: null\n\n');
    expect(formatSseData(3)).toBe('data: 3\n\n');
  });
});

describe('formatSseEvent', () => {
  it('writes the event line before the data', () => {
    expect(formatSseEvent('message_stop', { type: 'message_stop' })).toBe(
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    );
  });

  it('splits multi-line data', () => {
    expect(formatSseEvent('x', 'a\nb')).toBe('event: x\ndata: a\ndata: b\n\n');
  });

  it('rejects a line break in the event name', () => {
    expect(() => formatSseEvent('a\nb', 'x')).toThrow(RangeError);
  });
});

describe('formatSseComment', () => {
  it('writes a comment frame', () => {
    expect(formatSseComment('ping')).toBe(': ping\n\n');
  });

  it('writes one comment line per line', () => {
    expect(formatSseComment('a\nb')).toBe(': a\n: b\n\n');
    expect(formatSseComment('')).toBe(':\n\n');
  });
});
