// The SSE response on the wire: the gateway frames a stream's chunks itself (chunk-frame.ts),
// so these tests read the raw bytes of the connection and check the HTTP/1.1 chunked framing
// by hand: every size matches its data, no empty chunk before the end, one terminator, and the
// connection serves the next request (sequential and pipelined). An HTTP/1.0 client gets the
// stream unframed, ended by the close.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/harness.js';
import { CHAT_BODY, frames, until } from './support.js';

interface WireResponse {
  readonly head: string;
  readonly status: number;
  /** The chunk sizes in order, the terminating 0 excluded. */
  readonly sizes: readonly number[];
  readonly body: string;
  /** Bytes after this response (the next one's, on a pipelined connection). */
  readonly rest: Buffer;
}

/** One chunked response from the front of `buf`, or undefined when it is not all there yet. */
function parseChunked(buf: Buffer): WireResponse | undefined {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const head = buf.subarray(0, headEnd).toString('latin1');
  expect(head.toLowerCase()).toContain('transfer-encoding: chunked');
  const sizes: number[] = [];
  const parts: Buffer[] = [];
  let at = headEnd + 4;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const sizeText = buf.subarray(at, lineEnd).toString('latin1');
    expect(sizeText).toMatch(/^[0-9a-f]+$/);
    const size = Number.parseInt(sizeText, 16);
    if (size === 0) {
      if (buf.length < lineEnd + 4) return undefined;
      expect(buf.subarray(lineEnd, lineEnd + 4).toString('latin1')).toBe('\r\n\r\n');
      return {
        head,
        status: Number(head.split(' ')[1]),
        sizes,
        body: Buffer.concat(parts).toString('utf8'),
        rest: buf.subarray(lineEnd + 4),
      };
    }
    if (buf.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    expect(buf.subarray(lineEnd + 2 + size, lineEnd + 4 + size).toString('latin1')).toBe('\r\n');
    sizes.push(size);
    at = lineEnd + 4 + size;
  }
}

/** Reads `count` chunked responses from the socket, in order. */
function readResponses(socket: Socket, count: number): Promise<WireResponse[]> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const out: WireResponse[] = [];
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const r = parseChunked(buf);
        if (r === undefined) return;
        out.push(r);
        buf = r.rest;
        if (out.length === count) {
          socket.off('data', onData);
          resolve(out);
          return;
        }
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`connection closed after ${out.length} of ${count} responses`)));
  });
}

describe('SSE on the wire', () => {
  let stack: Stack;
  let key: string;
  let port: number;
  beforeAll(async () => {
    stack = await startStack();
    key = (await stack.createKey()).key;
    port = Number(new URL(stack.gatewayUrl).port);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const request = (tokens: number, version = '1.1'): string => {
    const body = JSON.stringify({ ...CHAT_BODY, stream: true, stream_options: { include_usage: true } });
    return [
      `POST /v1/chat/completions HTTP/${version}`,
      `host: 127.0.0.1:${port}`,
      `authorization: Bearer ${key}`,
      'content-type: application/json',
      `x-sim-tokens: ${tokens}`,
      'x-sim-reasoning: off',
      `content-length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
  };

  const open = async (): Promise<Socket> => {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return socket;
  };

  const checkStream = (r: WireResponse, tokens: number): void => {
    expect(r.status).toBe(200);
    expect(r.head.toLowerCase()).toContain('content-type: text/event-stream');
    expect(r.sizes.every((s) => s > 0)).toBe(true);
    const events = frames(r.body);
    // The role chunk, one per token (the last carries the finish reason), the usage chunk, [DONE].
    expect(events).toHaveLength(tokens + 3);
    expect(events.filter((e) => e.includes('"finish_reason":"stop"'))).toHaveLength(1);
    expect(events.at(-1)).toBe('data: [DONE]\n\n');
    expect(r.body.endsWith('data: [DONE]\n\n')).toBe(true);
  };

  it('frames every chunk correctly and keeps the connection for the next request', async () => {
    const socket = await open();
    try {
      for (const tokens of [5, 9]) {
        const got = readResponses(socket, 1);
        socket.write(request(tokens));
        const [r] = await got;
        checkStream(r as WireResponse, tokens);
        expect((r as WireResponse).rest.length).toBe(0);
      }
    } finally {
      socket.destroy();
    }
  });

  it('answers pipelined requests in order, each framed whole (the second waits for the socket)', async () => {
    const socket = await open();
    try {
      const got = readResponses(socket, 3);
      socket.write(request(6) + request(3) + request(8));
      const rs = await got;
      checkStream(rs[0] as WireResponse, 6);
      checkStream(rs[1] as WireResponse, 3);
      checkStream(rs[2] as WireResponse, 8);
    } finally {
      socket.destroy();
    }
  });

  it('a client that pipelines two requests and leaves before the first answer: both end, none stays counted in flight', async () => {
    const socket = await open();
    const slow = request(3).replace('x-sim-reasoning: off', 'x-sim-reasoning: off\r\nx-sim-ttft-ms: 300');
    socket.write(slow + request(3));
    await until(() => stack.app.dataPlane.inFlight() === 2, 3000);
    socket.destroy();
    // The second answer never had the connection; its end comes from the connection's close.
    await until(() => stack.app.dataPlane.inFlight() === 0, 3000);
  });

  it('sends an HTTP/1.0 client the stream unframed and ends it by closing the connection', async () => {
    const socket = await open();
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(request(4, '1.0'));
    await closed;
    const raw = Buffer.concat(chunks).toString('utf8');
    const headEnd = raw.indexOf('\r\n\r\n');
    const head = raw.slice(0, headEnd).toLowerCase();
    expect(head.startsWith('http/1.1 200')).toBe(true);
    expect(head).not.toContain('transfer-encoding');
    const body = raw.slice(headEnd + 4);
    const events = frames(body);
    expect(events).toHaveLength(4 + 3);
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
  });
});
