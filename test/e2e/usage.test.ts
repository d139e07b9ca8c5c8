// Usage accounting: prompt and completion tokens of
// every chat, completions, responses and messages request, JSON or streamed, added to the
// key's totals and its UTC day bucket in one transaction committed before the client sees the
// end; no usage block → only the request count (a stream: the estimate); aborts and failures
// mid-stream count the request, the prompt the backend reported (else the input estimate) and
// one completion token per text delta relayed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { utcDay } from '../../src/core/clock.js';
import { fixedClock } from '../helpers/clock.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import {
  CHAT_BODY, COMPLETIONS_BODY, MESSAGES_BODY, RESPONSES_BODY, frames, postJson, rawRequest, readAll, readUntil, reportedUsage, simId, until,
} from './support.js';

const NOW = Date.parse('2026-11-22T23:59:30Z');
const DAY = utcDay(NOW);

const CASES: ReadonlyArray<[string, string, object]> = [
  ['chat', '/v1/chat/completions', CHAT_BODY],
  ['completions', '/v1/completions', COMPLETIONS_BODY],
  ['responses', '/v1/responses', RESPONSES_BODY],
  ['messages', '/v1/messages', MESSAGES_BODY],
];

const databases = ['sqlite', 'postgres'] as const;
const pgSkip = await postgresUnavailableReason();

for (const database of databases) {
  describe.skipIf(database === 'postgres' && pgSkip !== undefined)(`usage accounting (${database})`, () => {
    let stack: Stack;
    let key: string;
    let keyId: string;
    beforeAll(async () => {
      stack = await startStack({ database, clock: fixedClock(NOW), env: { PROXY_STREAM_READ_TIMEOUT: '0.3' } });
      ({ key, id: keyId } = await stack.createKey());
    });
    afterAll(async () => {
      await stack?.close();
    });
    afterEach(() => stack.sim.clearRequests());

    const send = (path: string, body: object, headers: Record<string, string> = {}) =>
      rawRequest(stack.gatewayUrl, {
        method: 'POST',
        path,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });

    for (const [name, path, body] of CASES) {
      for (const stream of [false, true]) {
        it(`${name} ${stream ? 'stream' : 'JSON'}: adds exactly the backend's usage to the totals and the day, committed before the end`, async () => {
          const before = await stack.usage(keyId);
          const beforeDay = await stack.dayUsage(keyId, DAY);
          const r = await send(path, { ...body, stream });
          expect(r.status).toBe(200);
          let atEnd: ReturnType<Stack['usageNow']> | undefined;
          const got = await new Promise<string>((resolve, reject) => {
            let text = '';
            r.res.on('data', (c: Buffer) => {
              text += c.toString();
            });
            r.res.on('end', () => {
              // The instant the client sees the end, the store already has the numbers.
              if (database === 'sqlite') atEnd = stack.usageNow(keyId);
              resolve(text);
            });
            r.res.on('error', reject);
          });
          const sent = stack.sim.getRequest(simId(r.headers))!.sentText();
          const usage = reportedUsage(sent)!;
          expect(usage.promptTokens).toBeGreaterThan(0);
          expect(usage.completionTokens).toBeGreaterThan(0);
          const expected = {
            requests: before.requests + 1,
            promptTokens: before.promptTokens + usage.promptTokens,
            completionTokens: before.completionTokens + usage.completionTokens,
          };
          if (database === 'sqlite') expect(atEnd).toEqual(expected);
          expect(await stack.usage(keyId)).toEqual(expected);
          expect(await stack.dayUsage(keyId, DAY)).toEqual({
            requests: beforeDay.requests + 1,
            promptTokens: beforeDay.promptTokens + usage.promptTokens,
            completionTokens: beforeDay.completionTokens + usage.completionTokens,
          });
          expect(got.length).toBeGreaterThan(0);
        });
      }
    }

    it('a stream is not counted until its end, and is counted when its terminal frame is released', async () => {
      const before = await stack.usage(keyId);
      const r = await send('/v1/chat/completions', { ...CHAT_BODY, stream: true }, { 'x-sim-hold': `held-${database}`, 'x-sim-hold-after': '2' });
      await stack.sim.waitForHold(`held-${database}`);
      await readUntil(r.res, (t) => frames(t).length >= 2);
      expect(await stack.usage(keyId)).toEqual(before);
      stack.sim.release(`held-${database}`);
      let atDone: ReturnType<Stack['usageNow']> | undefined;
      await new Promise<void>((resolve) => {
        let text = '';
        r.res.on('data', (c: Buffer) => {
          text += c.toString();
          if (database === 'sqlite' && atDone === undefined && text.includes('data: [DONE]')) atDone = stack.usageNow(keyId);
        });
        r.res.on('end', resolve);
        r.res.resume();
      });
      const usage = reportedUsage(stack.sim.getRequest(simId(r.headers))!.sentText())!;
      const expected = { requests: before.requests + 1, promptTokens: before.promptTokens + usage.promptTokens, completionTokens: before.completionTokens + usage.completionTokens };
      if (database === 'sqlite') expect(atDone).toEqual(expected);
      expect(await stack.usage(keyId)).toEqual(expected);
    });

    it('a client abort mid-stream counts the request and the usage reported so far (Anthropic: input tokens)', async () => {
      const before = await stack.usage(keyId);
      const r = await send('/v1/messages', { ...MESSAGES_BODY, stream: true }, { 'x-sim-hold': `abort-${database}`, 'x-sim-hold-after': '2' });
      await stack.sim.waitForHold(`abort-${database}`);
      const seen = await readUntil(r.res, (t) => frames(t).length >= 2);
      const started = reportedUsage(frames(seen)[0]!)!;
      const rec = stack.sim.getRequest(simId(r.headers))!;
      r.res.destroy();
      expect(await rec.closed).toBe('aborted');
      stack.sim.release(`abort-${database}`);
      await until(async () => (await stack.usage(keyId)).requests === before.requests + 1);
      expect(await stack.usage(keyId)).toEqual({
        requests: before.requests + 1,
        promptTokens: before.promptTokens + started.promptTokens,
        completionTokens: before.completionTokens + started.completionTokens,
      });
    });

    it('a client abort of an OpenAI stream before its usage chunk counts the input estimate and the deltas relayed', async () => {
      const before = await stack.usage(keyId);
      const r = await send('/v1/chat/completions', { ...CHAT_BODY, stream: true }, { 'x-sim-hold': `abort-chat-${database}`, 'x-sim-hold-after': '3' });
      await stack.sim.waitForHold(`abort-chat-${database}`);
      const seen = await readUntil(r.res, (t) => frames(t).length >= 3);
      // The role chunk, then two reasoning deltas.
      expect(frames(seen).filter((f) => /"reasoning":"[^"]/.test(f))).toHaveLength(2);
      const rec = stack.sim.getRequest(simId(r.headers))!;
      r.res.destroy();
      expect(await rec.closed).toBe('aborted');
      stack.sim.release(`abort-chat-${database}`);
      await until(async () => (await stack.usage(keyId)).requests === before.requests + 1);
      // Input estimate: 45 characters of prompt text ("role", "user", "content" and the text) // 3.
      expect(await stack.usage(keyId)).toEqual({ requests: before.requests + 1, promptTokens: before.promptTokens + 15, completionTokens: before.completionTokens + 2 });
    });

    it('an upstream failure mid-stream counts the request, the input tokens reported and the deltas relayed', async () => {
      const before = await stack.usage(keyId);
      const r = await send('/v1/messages', { ...MESSAGES_BODY, stream: true }, { 'x-sim-fault': 'stall:3' });
      const text = (await readAll(r.res)).toString();
      expect(text).toContain('event: error');
      const started = reportedUsage(frames(text)[0]!)!;
      // message_start, content_block_start, one thinking delta, then silence.
      expect(frames(text).filter((f) => f.startsWith('event: content_block_delta\n'))).toHaveLength(1);
      expect(await stack.usage(keyId)).toEqual({
        requests: before.requests + 1,
        promptTokens: before.promptTokens + started.promptTokens,
        completionTokens: before.completionTokens + 1,
      });
    });

    it('upstream errors before any response count as requests with zero tokens', async () => {
      const before = await stack.usage(keyId);
      const failed = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY, { 'x-sim-fault': 'status:500' });
      expect(failed.status).toBe(500);
      await failed.arrayBuffer();
      const dropped = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY, { 'x-sim-fault': 'drop' });
      expect(dropped.status).toBe(502);
      await dropped.arrayBuffer();
      expect(await stack.usage(keyId)).toEqual({ ...before, requests: before.requests + 2 });
    });

    it('requests refused by the gateway itself (400, 413) are not counted', async () => {
      const before = await stack.usage(keyId);
      const bad = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, { ...CHAT_BODY, max_tokens: -5 });
      expect(bad.status).toBe(400);
      await bad.arrayBuffer();
      expect(await stack.usage(keyId)).toEqual(before);
    });
  });
}

describe('usage accounting without usage blocks', () => {
  let stack: Stack;
  let backend: Server;
  let key: string;
  let keyId: string;
  beforeAll(async () => {
    // A backend that never reports usage, streamed or not.
    backend = createServer((req, res) => {
      req.resume();
      if (req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[{"id":"sim-model","object":"model"}]}');
      } else if (req.headers['x-test-stream'] === '1') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end('data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices":[{"index":0,"message":{"content":"hi"}}]}');
      }
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    stack = await startStack({ simulator: false, env: { VLLM_BASE_URL: `http://127.0.0.1:${(backend.address() as AddressInfo).port}` } });
    ({ key, id: keyId } = await stack.createKey());
  });
  afterAll(async () => {
    await stack?.close();
    await new Promise((r) => backend?.close(r));
  });

  it('JSON: only the request count grows; a stream is charged the input estimate and its deltas', async () => {
    const json = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, CHAT_BODY);
    expect(await json.text()).toBe('{"choices":[{"index":0,"message":{"content":"hi"}}]}');
    expect(await stack.usage(keyId)).toEqual({ requests: 1, promptTokens: 0, completionTokens: 0 });
    const stream = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, { ...CHAT_BODY, stream: true }, { 'x-test-stream': '1' });
    expect(await stream.text()).toBe('data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n');
    // 45 characters of prompt text // 3, and one delta.
    expect(await stack.usage(keyId)).toEqual({ requests: 2, promptTokens: 15, completionTokens: 1 });
  });
});
