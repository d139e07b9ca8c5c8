import { describe, expect, it } from 'vitest';
import { chunkFrame } from './chunk-frame.js';

describe('chunkFrame', () => {
  it('frames one buffer as <hex size>CRLF<data>CRLF', () => {
    const data = Buffer.from('data: {"a":1}\n\n');
    expect(chunkFrame([data])?.toString('latin1')).toBe(`f\r\ndata: {"a":1}\n\n\r\n`);
  });

  it('joins parts in order, strings counted in UTF-8 bytes', () => {
    const out = chunkFrame([Buffer.from('data: x\n\n'), 'data: "é漢"\n\n', new Uint8Array([0x3a, 0x0a, 0x0a])]);
    const body = Buffer.concat([Buffer.from('data: x\n\n'), Buffer.from('data: "é漢"\n\n'), Buffer.from(':\n\n')]);
    expect(body.length).toBe(27);
    expect(out).toEqual(Buffer.concat([Buffer.from('1b\r\n'), body, Buffer.from('\r\n')]));
  });

  it('uses lowercase hex for sizes of several digits', () => {
    const out = chunkFrame([Buffer.alloc(4096, 0x61)]) as Buffer;
    expect(out.subarray(0, 6).toString('latin1')).toBe('1000\r\n');
    expect(out.length).toBe(4096 + 8);
    expect(out.subarray(-2).toString('latin1')).toBe('\r\n');
  });

  it('gives nothing for empty parts: a zero-size chunk would end the response', () => {
    expect(chunkFrame([])).toBeUndefined();
    expect(chunkFrame([Buffer.alloc(0), ''])).toBeUndefined();
  });
});
