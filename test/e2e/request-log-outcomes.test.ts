// Requests the server answers around the data plane's usual path still get a request-log row
// that says what the client got, its message included: the `/v1` root's 404, and the 408 for a body that stalls
// (before anything was forwarded, and after a streamed upload had reached the backend).
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MSG } from '../../src/core/messages.js';
import { listRequestLog, type RequestLogSummary } from '../../src/store/request-log.repo.js';
import { startStack, type Stack } from '../helpers/harness.js';

const TIMEOUT_S = 0.5;

/** Writes `head` and `body` on a raw connection and resolves with all the server sent once it closes. */
function stalled(url: string, head: string, body: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect(Number(port), hostname, () => s.write(head + body));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks).toString()));
  });
}

describe('request log: answers given around the usual path', () => {
  let stack: Stack;
  let key: { id: string; key: string };
  beforeAll(async () => {
    stack = await startStack({ env: { PROXY_CLIENT_TIMEOUT: String(TIMEOUT_S), PROXY_MAX_CONNECTIONS_PER_IP: '0' } });
    key = await stack.createKey('outcomes');
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** The newest row once the writer has written it. */
  async function newestRow(after: number): Promise<RequestLogSummary> {
    for (let i = 0; i < 100; i++) {
      await stack.app.requestLog?.writer.flush();
      const { rows } = await listRequestLog(stack.store.db, { keyId: key.id }, 50, undefined);
      if (rows.length > after) return rows[0]!;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('no new request-log row');
  }
  const rowCount = async (): Promise<number> => (await listRequestLog(stack.store.db, { keyId: key.id }, 500, undefined)).rows.length;

  it('GET /v1: the row says 404, rejected', async () => {
    const res = await fetch(`${stack.gatewayUrl}/v1?x=1`, { headers: { authorization: `Bearer ${key.key}` } });
    expect(res.status).toBe(404);
    await res.text();
    for (let i = 0; i < 100; i++) {
      await stack.app.requestLog?.writer.flush();
      const { rows } = await listRequestLog(stack.store.db, { status: 404 }, 10, undefined);
      if (rows.length > 0) {
        expect(rows[0]).toMatchObject({ status: 404, result: 'rejected', error: 'not_found', error_message: MSG.notFoundUseV1, endpoint: 'other' });
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('no row for GET /v1');
  });

  it('a chat body that stalls: 408 for the client, the row says 408, rejected, and the request is not counted', async () => {
    const before = await rowCount();
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key.key}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n`;
    const text = await stalled(stack.gatewayUrl, head, '{"model":"sim-model",');
    expect(text.startsWith('HTTP/1.1 408 ')).toBe(true);
    expect(await newestRow(before)).toMatchObject({ status: 408, result: 'rejected', error: 'request_timeout', error_message: 'Request timeout: the client sent nothing for 0.5 s', endpoint: 'chat' });
    expect((await stack.usage(key.id)).requests).toBe(0);
  });

  it('a streamed upload that stalls after reaching the backend: 408, the row says 408, aborted (it reached the backend), and the request counts', async () => {
    const before = await rowCount();
    const head = `POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key.key}\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n`;
    const text = await stalled(stack.gatewayUrl, head, `{"model":"sim-model","input":"${'x'.repeat(70_000)}`);
    expect(text.startsWith('HTTP/1.1 408 ')).toBe(true);
    expect(await newestRow(before)).toMatchObject({ status: 408, result: 'aborted', error: 'request_timeout', error_message: 'Request timeout: the client sent nothing for 0.5 s', endpoint: 'embeddings' });
    // It reached the backend, like an upload the client abandons there: it counts, with no tokens.
    await expect.poll(async () => (await stack.usage(key.id)).requests, { timeout: 3000 }).toBe(1);
    expect(await stack.usage(key.id)).toMatchObject({ promptTokens: 0, completionTokens: 0 });
  });
});
