import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRelativeTo, startLocalServer, type LocalServer } from '../../testing/local-server';
import { buildChatRequest } from './chat-request';
import { pickModels } from './models';
import { streamChat } from './stream-chat';
import type { StreamPiece } from './stream-events';

let server: LocalServer;
let restore: () => void;
let aborted: Promise<void>;
let markAborted: () => void;

beforeAll(async () => {
  aborted = new Promise((resolve) => (markAborted = resolve));
  server = await startLocalServer((req, res, body) => {
    const parsed = JSON.parse(body || '{}') as { model?: string };
    if (req.headers.authorization !== 'Bearer good') {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Unauthorized', type: 'authentication_error', code: 401 } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    if (parsed.model === 'endless') {
      res.write('data: {"choices":[{"delta":{"content":"tick"}}]}\n\n');
      const t = setInterval(() => res.write('data: {"choices":[{"delta":{"content":" tick"}}]}\n\n'), 20);
      res.on('close', () => {
        clearInterval(t);
        markAborted();
      });
      return;
    }
    // Bytes split mid-frame and mid-character, as a network would.
    const wire =
      'data: {"choices":[{"delta":{"reasoning_content":"Think"}}]}\n\n' +
      'data: {"choices":[{"delta":{"content":"Grüß"}}]}\n\n: keep-alive\n\n' +
      'data: {"choices":[{"delta":{"content":" dich"}}]}\n\n' +
      'data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3}}\n\ndata: [DONE]\n\n';
    const buf = Buffer.from(wire);
    let i = 0;
    const step = () => {
      if (i >= buf.length) return res.end();
      res.write(buf.subarray(i, i + 7));
      i += 7;
      setImmediate(step);
    };
    step();
  });
  restore = fetchRelativeTo(server.url);
});

afterAll(async () => {
  restore();
  await server.close();
});

const input = (model: string) => ({ dialect: 'openai' as const, variant: 'normal' as const, model, system: '', turns: [{ role: 'user' as const, content: 'hi' }], maxTokens: 64 });

describe('streamChat', () => {
  it('reports pieces in order and ends done', async () => {
    const pieces: StreamPiece[] = [];
    const outcome = await streamChat(buildChatRequest(input('m'), 'good'), 'openai', new AbortController().signal, (p) => pieces.push(p));
    expect(outcome).toEqual({ kind: 'done' });
    expect(pieces.map((p) => p.reasoning ?? '').join('')).toBe('Think');
    expect(pieces.map((p) => p.answer ?? '').join('')).toBe('Grüß dich');
    expect(pieces).toContainEqual({ promptTokens: 5, completionTokens: 3 });
    expect(pieces.at(-1)).toEqual({ done: true });
  });

  it('stops when aborted and closes the connection', async () => {
    const ctrl = new AbortController();
    let seen = 0;
    const outcome = await streamChat(buildChatRequest(input('endless'), 'good'), 'openai', ctrl.signal, (p) => {
      if (p.answer !== undefined && ++seen === 3) ctrl.abort();
    });
    expect(outcome).toEqual({ kind: 'stopped' });
    await aborted;
  });

  it('explains a refused key', async () => {
    const outcome = await streamChat(buildChatRequest(input('m'), 'bad'), 'openai', new AbortController().signal, () => undefined);
    expect(outcome).toEqual({ kind: 'error', message: 'The gateway refused the key (Unauthorized). Paste a complete, active API key.' });
  });
});

describe('pickModels', () => {
  it('lists every model a chat can name, in order, without the synthetic -nonthinking rows', () => {
    expect(pickModels({ data: [{ id: 'DeepSeek-V4-Pro-nonthinking' }, { id: 'DeepSeek-V4-Pro' }, { id: 'Kimi-K2.6' }, { id: 'Kimi-K2.6-nonthinking' }] })).toEqual([
      'DeepSeek-V4-Pro',
      'Kimi-K2.6',
    ]);
    expect(pickModels({ data: [{ id: 'only-nonthinking' }] })).toEqual(['only-nonthinking']);
    expect(pickModels({ data: [] })).toEqual([]);
    expect(pickModels('nope')).toEqual([]);
  });
});
