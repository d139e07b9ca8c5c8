import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientWriter } from './client-writer.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

/** Serves one SSE response through a ClientWriter; returns the body and the socket writes it took. */
async function serve(write: (w: ClientWriter) => Promise<void>): Promise<{ body: string; writes: number }> {
  let writes = 0;
  server = createServer((_req, res) => {
    const w = new ClientWriter(res);
    w.headStream(200, ['content-type', 'text/event-stream']);
    const socket = res.socket!;
    const original = socket.write.bind(socket) as (...a: unknown[]) => boolean;
    socket.write = ((...a: unknown[]) => {
      writes++;
      return original(...a);
    });
    void write(w).then(() => w.end());
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const body = await new Promise<string>((resolve, reject) => {
    request({ port, host: '127.0.0.1', path: '/' }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve(text));
    }).on('error', reject).end();
  });
  return { body, writes };
}

const frame = (i: number): string => `data: {"n":${i}}\n\n`;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ClientWriter on a framed stream', () => {
  it('sends what one turn produced as one chunk in one write, however many pieces', async () => {
    const { body, writes } = await serve(async (w) => {
      await turn();
      for (let i = 0; i < 20; i++) w.send(Buffer.from(frame(i))); // a burst of upstream chunks
      await turn();
      w.send(frame(20));
      await turn();
    });
    expect(body).toBe(Array.from({ length: 21 }, (_, i) => frame(i)).join(''));
    // The burst, the lone frame, and the terminator with end().
    expect(writes).toBe(3);
  });
});
