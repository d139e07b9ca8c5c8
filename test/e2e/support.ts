/**
 * Small HTTP helpers for the data-plane e2e tests: a raw node:http client (so a test controls
 * reading, pausing and disconnecting), SSE/usage readers over bytes, and the usage a simulator
 * response reported (the oracle the store is compared with).
 */
import { randomBytes } from 'node:crypto';
import { request, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { listRequestLog, type RequestLogSummary } from '../../src/store/request-log.repo.js';
import type { Stack } from '../helpers/harness.js';

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly res: IncomingMessage;
}

export interface RawRequestOptions {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Send the body with chunked transfer encoding (no Content-Length). */
  readonly chunked?: boolean;
}

/** Sends a request with node:http and resolves once the response headers arrived. */
export function rawRequest(baseUrl: string, o: RawRequestOptions): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.body !== undefined && o.chunked !== true) headers['content-length'] = String(Buffer.byteLength(o.body));
    const req = request({ host: url.hostname, port: url.port, method: o.method ?? 'GET', path: o.path, headers, agent: false }, (res) =>
      resolve({ status: res.statusCode ?? 0, headers: res.headers, res }),
    );
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

/**
 * Starts a POST with a declared length whose body the test writes itself (`write`, `end`,
 * `destroy`); the response comes as the 'response' event. Connection errors are ignored.
 */
export function startUpload(baseUrl: string, path: string, key: string, length: number, contentType = 'application/json'): ClientRequest {
  const url = new URL(baseUrl);
  const req = request({
    host: url.hostname,
    port: url.port,
    method: 'POST',
    path,
    agent: false,
    headers: { authorization: `Bearer ${key}`, 'content-type': contentType, 'content-length': String(length) },
  });
  req.on('error', () => undefined);
  return req;
}

/** A JSON embeddings body of about `size` bytes, different all along (random base64 input). */
export function embeddingsBody(size: number): Buffer {
  return Buffer.from(JSON.stringify({ model: 'sim-model', input: randomBytes(Math.ceil((size * 3) / 4)).toString('base64') }));
}

/** All body bytes. */
export function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    res.on('data', (c: Buffer) => parts.push(c));
    res.on('end', () => resolve(Buffer.concat(parts)));
    res.on('error', reject);
  });
}

/** Resolves with the bytes received so far once `predicate(text so far)` holds. */
export function readUntil(res: IncomingMessage, predicate: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (c: Buffer): void => {
      text += c.toString('utf8');
      if (predicate(text)) {
        res.off('data', onData);
        res.pause();
        resolve(text);
      }
    };
    res.on('data', onData);
    res.on('error', reject);
    res.on('end', () => reject(new Error(`stream ended before the condition held; got: ${text.slice(-300)}`)));
  });
}

/** A JSON POST with a key, through fetch. */
export function postJson(baseUrl: string, path: string, key: string | undefined, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(signal !== undefined ? { signal } : {}),
  });
}

export interface Usage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** The usage a response body (JSON or SSE text) reports last, in any of the four dialects. */
export function reportedUsage(text: string): Usage | undefined {
  let found: Usage | undefined;
  const openai = /"prompt_tokens":(\d+)[^}]*?"completion_tokens":(\d+)/g;
  for (const m of text.matchAll(openai)) found = { promptTokens: Number(m[1]), completionTokens: Number(m[2]) };
  if (found !== undefined) return found;
  const io = /"input_tokens":(\d+)(?:[^}{]|\{[^}]*\})*?"output_tokens":(\d+)/g;
  for (const m of text.matchAll(io)) found = { promptTokens: Number(m[1]), completionTokens: Number(m[2]) };
  return found;
}

/** The SSE frames of a text (split on blank lines; LF framing as vLLM writes it). */
export function frames(text: string): string[] {
  return text.split('\n\n').filter((f) => f !== '').map((f) => `${f}\n\n`);
}

/**
 * A `/v1/messages` stream as vLLM (the simulator) sent it, with what the gateway puts right
 * (docs/clients.md, "Anthropic clients"): `type: "message"` and `role: "assistant"` after
 * message_start's message id, `stop_sequence: null` in message_delta's delta (and its
 * `stop_reason` `end_turn` → `tool_use` once a tool_use block started). Every other frame as sent.
 */
export function anthropicConformed(sent: string): string {
  let toolUse = false;
  return frames(sent)
    .map((f) => {
      const m = /^event: (message_start|message_delta|content_block_start)\ndata: (.*)\n\n$/s.exec(f);
      if (m === null) return f;
      const data = JSON.parse(m[2]!) as Record<string, Record<string, unknown>>;
      if (m[1] === 'content_block_start') {
        if (data.content_block?.type === 'tool_use') toolUse = true;
        return f;
      }
      if (m[1] === 'message_start') {
        const { id, ...rest } = data.message!;
        return `event: message_start\ndata: ${JSON.stringify({ ...data, message: { id, type: 'message', role: 'assistant', ...rest } })}\n\n`;
      }
      const delta = data.delta!;
      const stop = toolUse && delta.stop_reason === 'end_turn' ? 'tool_use' : delta.stop_reason;
      return `event: message_delta\ndata: ${JSON.stringify({ ...data, delta: { ...delta, stop_reason: stop, stop_sequence: delta.stop_sequence ?? null } })}\n\n`;
    })
    .join('');
}

/** The simulator's request id a gateway response carries (the simulator's header passes through). */
export function simId(headers: IncomingHttpHeaders | Headers): number {
  const v = headers instanceof Headers ? headers.get('x-sim-request-id') : headers['x-sim-request-id'];
  if (typeof v !== 'string') throw new Error('no x-sim-request-id header');
  return Number(v);
}

/** Resolves once `check()` holds (polled: for state that has no event, like a commit after an abort). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const CHAT_BODY = { model: 'sim-model', messages: [{ role: 'user', content: 'Three primes greater than 100.' }] };
export const MESSAGES_BODY = { model: 'sim-model', max_tokens: 256, messages: [{ role: 'user', content: 'Three primes greater than 100.' }] };
export const RESPONSES_BODY = { model: 'sim-model', input: 'Three primes greater than 100.' };
export const COMPLETIONS_BODY = { model: 'sim-model', prompt: 'Three primes greater than 100.' };

/** Ports below 1024 are never handed out by `listen(0)`: no test's server can take one later. */
const CLOSED_PORT_CANDIDATES = [9, 19, 39, 47, 59, 69, 79, 87, 97, 101];

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/**
 * `http://127.0.0.1:<port>` where nothing listens (connections are refused), and where nothing
 * will: a free ephemeral port could be taken by another test's server meanwhile, which then
 * answers in the closed port's place.
 */
export async function closedPortUrl(): Promise<string> {
  for (const port of CLOSED_PORT_CANDIDATES) if (await refuses(port)) return `http://127.0.0.1:${port}`;
  throw new Error(`no closed port below 1024 among ${CLOSED_PORT_CANDIDATES.join(', ')}`);
}

/** The request log's rows of a key, flushing its writer until at least `n` are written. */
export async function requestLogRows(s: Stack, keyId: string, n: number): Promise<RequestLogSummary[]> {
  let rows: RequestLogSummary[] = [];
  await until(async () => {
    await s.app.requestLog?.writer.flush();
    rows = (await listRequestLog(s.store.db, { keyId }, 50, undefined)).rows;
    return rows.length >= n;
  });
  return rows;
}
