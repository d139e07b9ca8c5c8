// Request bodies on the endpoints the gateway does not shape: above 64 KiB with a declared
// Content-Length they go upstream as they arrive (src/data-plane/upload.ts); smaller ones and
// chunked ones are read whole first, and the body limit still answers 413 before the backend
// is contacted. The connect retry of a streamed body is in connect-retry.test.ts.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_BODY_MIN_BYTES } from '../../src/data-plane/upload.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { embeddingsBody, rawRequest, readAll, startUpload, until } from './support.js';

const MiB = 1024 * 1024;

/** One request as the recording backend saw it. */
interface Arrival {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly parts: Buffer[];
  bytes: number;
  /** 'complete' once the whole body arrived, 'aborted' if the request was cut first. */
  readonly done: Promise<'complete' | 'aborted'>;
}

/** A backend that records bodies as they arrive and answers `{"received": n}` at their end. */
async function recordingBackend(): Promise<{ url: string; arrivals: Arrival[]; close(): Promise<void> }> {
  const arrivals: Arrival[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    if (req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[{"id":"rec-model","object":"model"}]}');
      return;
    }
    // No engine metrics here (the gateway's health probe asks; a backend may not have them).
    if (req.url === '/metrics') {
      res.writeHead(404).end();
      return;
    }
    const a: Arrival = {
      url: req.url ?? '',
      headers: req.headers,
      parts: [],
      bytes: 0,
      done: new Promise((resolve) => {
        req.on('end', () => resolve('complete'));
        req.on('close', () => resolve(req.complete ? 'complete' : 'aborted'));
      }),
    };
    arrivals.push(a);
    if (req.url?.endsWith('?answer-early') === true) {
      // Answers at once, as a server refusing the request would, without reading the body.
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"detail":"refused"}');
      return;
    }
    req.on('data', (c: Buffer) => {
      a.parts.push(c);
      a.bytes += c.length;
    });
    req.on('error', () => undefined);
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ received: a.bytes })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('large unshaped bodies, against the simulator', () => {
  let stack: Stack;
  let key: string;
  let keyId: string;
  beforeAll(async () => {
    stack = await startStack();
    ({ key, id: keyId } = await stack.createKey());
  });
  afterAll(async () => {
    await stack?.close();
  });
  afterEach(() => stack.sim.clearRequests());

  it('a 4 MiB /v1/embeddings body arrives byte-identical, with its Content-Length', async () => {
    const body = embeddingsBody(4 * MiB);
    const r = await rawRequest(stack.gatewayUrl, {
      method: 'POST',
      path: '/v1/embeddings',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
    });
    expect(r.status).toBe(200);
    expect(JSON.parse((await readAll(r.res)).toString())).toMatchObject({ object: 'list', data: [{ object: 'embedding' }] });
    const rec = stack.sim.requests.filter((q) => q.path === '/v1/embeddings');
    expect(rec).toHaveLength(1);
    expect(rec[0]!.rawBody.equals(body)).toBe(true);
    expect(rec[0]!.headers['content-length']).toBe(String(body.length));
    expect(rec[0]!.headers['transfer-encoding']).toBeUndefined();
    await until(async () => (await stack.usage(keyId)).requests === 1);
  });

  it('a large binary body on any other path arrives byte-identical', async () => {
    const body = randomBytes(3 * MiB + 7);
    const r = await rawRequest(stack.gatewayUrl, {
      method: 'PUT',
      path: '/v1/files/upload?purpose=x',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' },
      body,
    });
    expect(r.status).toBe(404); // the simulator has no such path; the gateway relays its answer
    await readAll(r.res);
    const rec = stack.sim.requests.filter((q) => q.path === '/v1/files/upload');
    expect(rec).toHaveLength(1);
    expect(rec[0]!.method).toBe('PUT');
    expect(rec[0]!.rawBody.equals(body)).toBe(true);
  });
});

describe('streamed versus whole bodies, against a recording backend', () => {
  let stack: Stack;
  let backend: Awaited<ReturnType<typeof recordingBackend>>;
  let key: string;
  let keyId: string;
  beforeAll(async () => {
    backend = await recordingBackend();
    // A short read timeout: a slow upload must not count against the backend.
    stack = await startStack({ simulator: false, env: { VLLM_BASE_URL: backend.url, PROXY_NONSTREAM_READ_TIMEOUT: '0.3' } });
  });
  afterAll(async () => {
    await stack?.close();
    await backend?.close();
  });
  afterEach(async () => {
    await until(() => stack.app.dataPlane.inFlight() === 0);
    backend.arrivals.length = 0;
  });
  const newKey = async (): Promise<void> => {
    ({ key, id: keyId } = await stack.createKey());
  };

  it('a large body reaches the backend while the client is still sending it', async () => {
    await newKey();
    const first = randomBytes(MiB);
    const rest = randomBytes(MiB + 13);
    const req = startUpload(stack.gatewayUrl, '/v1/embeddings', key, first.length + rest.length, 'application/octet-stream');
    req.write(first);
    await until(() => backend.arrivals[0]?.bytes === first.length);
    req.end(rest);
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    expect(res.statusCode).toBe(200);
    expect(JSON.parse((await readAll(res)).toString())).toEqual({ received: first.length + rest.length });
    const a = backend.arrivals[0]!;
    expect(Buffer.concat(a.parts).equals(Buffer.concat([first, rest]))).toBe(true);
    expect(a.headers['content-length']).toBe(String(first.length + rest.length));
  });

  it('time spent waiting for a slow upload does not count against the backend read timeout', async () => {
    await newKey();
    const body = randomBytes(MiB);
    const req = startUpload(stack.gatewayUrl, '/v1/embeddings', key, body.length, 'application/octet-stream');
    req.write(body.subarray(0, 100_000));
    await sleep(700); // over twice PROXY_NONSTREAM_READ_TIMEOUT
    req.end(body.subarray(100_000));
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    expect(res.statusCode).toBe(200);
    expect(JSON.parse((await readAll(res)).toString())).toEqual({ received: body.length });
  });

  it('an answer the backend sends before reading the body is relayed; the rest of the upload is discarded', async () => {
    await newKey();
    const req = startUpload(stack.gatewayUrl, '/v1/embeddings?answer-early', key, 4 * MiB, 'application/octet-stream');
    req.write(randomBytes(MiB));
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    expect(res.statusCode).toBe(400);
    expect((await readAll(res)).toString()).toBe('{"detail":"refused"}');
    req.end(randomBytes(3 * MiB));
    await until(() => stack.app.dataPlane.inFlight() === 0);
    await until(async () => (await stack.usage(keyId)).requests === 1);
  });

  it(`a body of at most ${STREAM_BODY_MIN_BYTES / 1024} KiB is read whole first: the backend sees nothing before its last byte`, async () => {
    await newKey();
    const body = randomBytes(STREAM_BODY_MIN_BYTES);
    const req = startUpload(stack.gatewayUrl, '/v1/embeddings', key, body.length, 'application/octet-stream');
    req.write(body.subarray(0, 1000));
    await sleep(200);
    expect(backend.arrivals).toHaveLength(0);
    req.end(body.subarray(1000));
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    expect(res.statusCode).toBe(200);
    expect(JSON.parse((await readAll(res)).toString())).toEqual({ received: body.length });
    expect(backend.arrivals).toHaveLength(1);
    expect(Buffer.concat(backend.arrivals[0]!.parts).equals(body)).toBe(true);
    expect(backend.arrivals[0]!.headers['content-length']).toBe(String(body.length));
  });

  it('a client that disconnects mid-upload aborts the upstream request, which still counts', async () => {
    await newKey();
    const req = startUpload(stack.gatewayUrl, '/v1/embeddings', key, 4 * MiB, 'application/octet-stream');
    req.write(randomBytes(MiB));
    await until(() => (backend.arrivals[0]?.bytes ?? 0) > 0);
    req.destroy();
    expect(await backend.arrivals[0]!.done).toBe('aborted');
    await until(() => stack.app.dataPlane.inFlight() === 0);
    await until(async () => (await stack.usage(keyId)).requests === 1);
    expect(await stack.usage(keyId)).toEqual({ requests: 1, promptTokens: 0, completionTokens: 0 });
    expect(backend.arrivals).toHaveLength(1);
  });

  it('a body shorter than declared (the client half-closes) aborts the upstream request and closes the connection', async () => {
    await newKey();
    const url = new URL(stack.gatewayUrl);
    const socket = connect(Number(url.port), url.hostname);
    await once(socket, 'connect');
    socket.resume();
    const closed = once(socket, 'close');
    socket.write(
      `POST /v1/embeddings HTTP/1.1\r\nhost: ${url.host}\r\nauthorization: Bearer ${key}\r\n` +
        `content-type: application/octet-stream\r\ncontent-length: ${2 * MiB}\r\n\r\n`,
    );
    socket.write(randomBytes(MiB));
    await until(() => backend.arrivals[0]?.bytes === MiB);
    socket.end(); // the second MiB never comes
    await closed;
    expect(await backend.arrivals[0]!.done).toBe('aborted');
    await until(() => stack.app.dataPlane.inFlight() === 0);
    await until(async () => (await stack.usage(keyId)).requests === 1);
    expect(await stack.usage(keyId)).toEqual({ requests: 1, promptTokens: 0, completionTokens: 0 });
  });
});

describe('the body limit on an unshaped endpoint', () => {
  let stack: Stack;
  let key: string;
  const LIMIT = 256 * 1024;
  beforeAll(async () => {
    stack = await startStack({ env: { MAX_BODY_BYTES: String(LIMIT) } });
    key = (await stack.createKey()).key;
  });
  afterAll(async () => {
    await stack?.close();
  });
  afterEach(() => stack.sim.clearRequests());

  for (const chunked of [true, false]) {
    it(`answers 413 for a large ${chunked ? 'chunked' : 'declared'} body over MAX_BODY_BYTES without contacting the backend`, async () => {
      const r = await rawRequest(stack.gatewayUrl, {
        method: 'POST',
        path: '/v1/embeddings',
        chunked,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: embeddingsBody(LIMIT + 64 * 1024),
      });
      expect(r.status).toBe(413);
      expect(JSON.parse((await readAll(r.res)).toString())).toEqual({
        error: { message: 'Request body too large', type: 'invalid_request_error', code: 413 },
      });
      expect(stack.sim.requests).toHaveLength(0);
    });
  }

  it('forwards a large chunked body under the limit whole, with its length', async () => {
    const body = embeddingsBody(LIMIT - 1024);
    const r = await rawRequest(stack.gatewayUrl, {
      method: 'POST',
      path: '/v1/embeddings',
      chunked: true,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
    });
    expect(r.status).toBe(200);
    await readAll(r.res);
    const rec = stack.sim.requests.filter((q) => q.path === '/v1/embeddings');
    expect(rec).toHaveLength(1);
    expect(rec[0]!.rawBody.equals(body)).toBe(true);
    expect(rec[0]!.headers['content-length']).toBe(String(body.length));
  });
});
