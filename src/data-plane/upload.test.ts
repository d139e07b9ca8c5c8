import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { STREAM_BODY_MIN_BYTES, Upload, streamedLength } from './upload.js';

/** Stands in for the client's IncomingMessage. */
function client(): PassThrough {
  return new PassThrough({ highWaterMark: 16 * 1024 });
}

const chunk = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);

/** Reads a stream to its end. */
async function readAll(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('streamedLength', () => {
  it('streams only a declared length above the threshold', () => {
    expect(streamedLength({ 'content-length': String(STREAM_BODY_MIN_BYTES + 1) })).toBe(STREAM_BODY_MIN_BYTES + 1);
    expect(streamedLength({ 'content-length': String(STREAM_BODY_MIN_BYTES) })).toBeUndefined();
    expect(streamedLength({ 'content-length': '17' })).toBeUndefined();
    expect(streamedLength({ 'transfer-encoding': 'chunked' })).toBeUndefined();
    expect(streamedLength({})).toBeUndefined();
  });
});

describe('Upload', () => {
  it('carries the body as it arrives', async () => {
    const req = client();
    const up = new Upload(req);
    const body = up.body();
    const got = readAll(body);
    req.write(chunk(1000, 1));
    await tick();
    req.end(chunk(500, 2));
    expect(await got).toEqual(Buffer.concat([chunk(1000, 1), chunk(500, 2)]));
  });

  it('replays the chunks received so far on a fresh stream after a failed attempt, then continues', async () => {
    const req = client();
    const up = new Upload(req);
    const first = up.body();
    req.write(chunk(3000, 1));
    req.write(chunk(3000, 2));
    await tick();
    first.destroy(new Error('connect ECONNREFUSED')); // what undici does to a failed attempt's body
    expect(up.replayable).toBe(true);
    const second = up.body();
    const got = readAll(second);
    req.end(chunk(3000, 3));
    expect(await got).toEqual(Buffer.concat([chunk(3000, 1), chunk(3000, 2), chunk(3000, 3)]));
  });

  it('replays a body that arrived whole before the retry', async () => {
    const req = client();
    const up = new Upload(req);
    const first = up.body();
    req.end(chunk(5000, 7));
    await once(req, 'end');
    first.destroy();
    expect(await readAll(up.body())).toEqual(chunk(5000, 7));
  });

  it('keeps nothing once an attempt connected', async () => {
    const req = client();
    const up = new Upload(req);
    const s = up.body();
    up.connected();
    expect(up.replayable).toBe(false);
    expect(() => up.body()).toThrow(/no longer be replayed/);
    const got = readAll(s);
    req.end(chunk(100, 1));
    expect(await got).toEqual(chunk(100, 1));
  });

  it('pauses the client while the attempt stream is not read, and resumes it when it is', async () => {
    const req = client();
    const up = new Upload(req);
    const s = up.body();
    let written = 0;
    // Write until the client side says stop (its buffer and the attempt's are full).
    while (req.write(chunk(16 * 1024, 1))) written += 16 * 1024;
    written += 16 * 1024;
    await tick();
    expect(req.isPaused()).toBe(true);
    // Bounded: the attempt stream holds about its high-water mark, not the upload.
    expect(s.readableLength).toBeLessThanOrEqual(128 * 1024);
    const drained = once(req, 'drain');
    const got = readAll(s);
    await drained;
    req.end();
    expect((await got).length).toBe(written);
  });

  it('errors the attempt stream when the client closes before the end', async () => {
    const req = client();
    const up = new Upload(req);
    const s = up.body();
    const failed = once(s, 'error').then(([e]) => e as Error);
    req.write(chunk(1000, 1));
    await tick();
    req.destroy();
    expect((await failed).message).toBe('client closed the connection while sending the body');
    expect(up.cut).toBeDefined();
    expect(up.replayable).toBe(false);
  });

  it('is not cut by the close that follows a complete body', async () => {
    const req = client();
    const up = new Upload(req);
    await Promise.all([readAll(up.body()), (req.end(chunk(10, 1)), once(req, 'close'))]);
    expect(up.cut).toBeUndefined();
  });

  it('stops listening on dispose and lets the rest of the upload drain away', async () => {
    const req = client();
    const up = new Upload(req);
    up.body();
    req.write(chunk(1000, 1));
    await tick();
    up.dispose();
    expect(req.listenerCount('data')).toBe(0);
    expect(req.listenerCount('close')).toBe(0);
    req.end(chunk(100 * 1024, 2));
    await once(req, 'end'); // flowing with nobody reading: the rest is dropped
    expect(up.cut).toBeUndefined();
  });
});
