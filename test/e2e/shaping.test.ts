// Request shaping end to end (docs/shaping.md): what the simulator receives for each rule, and
// what the client gets back. The simulator serves `DeepSeek-V4-Pro`, so the gateway derives
// the deepseek-v4 thinking profile from the live model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THINK_MAX_PREFIX } from '../../src/core/config.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { postJson, rawRequest, readAll, requestLogRows, simId } from './support.js';

const LIVE = 'DeepSeek-V4-Pro';
const USER = { role: 'user', content: 'Three primes greater than 100.' };

describe('request shaping through the gateway', () => {
  let stack: Stack;
  let key: string;
  beforeAll(async () => {
    stack = await startStack({
      simulator: { model: LIVE, maxModelLen: 262_144, tokens: 4, reasoningTokens: 2 },
      env: { PROXY_ALIAS_MODEL: LIVE, PROXY_ALIAS_SOURCES: 'glm-5.1-fp8,Kimi-K2.6' },
    });
    key = (await stack.createKey()).key;
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** POSTs `body`, returns the response and what the simulator received for it. */
  async function send(path: string, body: unknown) {
    const res = await postJson(stack.gatewayUrl, path, key, body);
    const json = (await res.json()) as Record<string, unknown>;
    const rec = res.headers.has('x-sim-request-id') ? stack.sim.getRequest(simId(res.headers)) : undefined;
    return { res, json, sent: rec?.body as Record<string, unknown> | undefined, rec };
  }

  describe('alias rewriting (decision order)', () => {
    const rows: Array<[string, string, string]> = [
      ['claude-* on chat completions', '/v1/chat/completions', 'claude-sonnet-4-6'],
      ['case variant on completions', '/v1/completions', 'deepseek-v4-pro'],
      ['DEEPSEEK-V4-PRO on responses', '/v1/responses', 'DEEPSEEK-V4-PRO'],
      ['a listed source on messages', '/v1/messages', 'GLM-5.1-FP8'],
      ['the -nonthinking variant on messages', '/v1/messages', 'DeepSeek-V4-Pro-nonthinking'],
    ];
    for (const [what, path, model] of rows) {
      it(`${what}: ${model} reaches vLLM as ${LIVE}`, async () => {
        const body = path === '/v1/completions' ? { model, prompt: 'x', max_tokens: 8 } : path === '/v1/responses' ? { model, input: 'x' } : { model, max_tokens: 64, messages: [USER] };
        const { res, sent } = await send(path, body);
        expect(res.status).toBe(200);
        expect(sent?.model).toBe(LIVE);
      });
    }

    it('an unknown model passes the alias rules unchanged and, served by no backend, is 404 with vLLM\'s message', async () => {
      const before = stack.sim.requests.length;
      const { res, json } = await send('/v1/chat/completions', { model: 'llama-3-70b', messages: [USER] });
      expect(stack.sim.requests.length).toBe(before);
      expect(res.status).toBe(404);
      expect(json).toMatchObject({ error: { message: 'The model `llama-3-70b` does not exist.' } });
    });

    it('a request no shaper changes reaches the backend byte-identical (not re-serialised)', async () => {
      const raw = `{ "messages" : [ {"role":"user","content":"caf\\u00e9"} ],\n  "model": "${LIVE}", "max_tokens": 12 }`;
      const res = await rawRequest(stack.gatewayUrl, { method: 'POST', path: '/v1/chat/completions', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: raw });
      await readAll(res.res);
      expect(res.status).toBe(200);
      expect(res.headers['x-worv-max-tokens-capped']).toBeUndefined();
      expect(stack.sim.getRequest(simId(res.headers))?.rawBody.toString('utf8')).toBe(raw);
    });
  });

  describe('thinking modes (variants, docs/thinking-modes.md)', () => {
    it('-nonthinking: kwargs switch thinking off and the client gets no reasoning', async () => {
      const { res, json, sent } = await send('/v1/chat/completions', { model: `${LIVE}-nonthinking`, messages: [USER] });
      expect(res.status).toBe(200);
      expect(sent?.chat_template_kwargs).toEqual({ thinking: false, enable_thinking: false });
      const message = (json.choices as Array<{ message: Record<string, unknown> }>)[0]?.message;
      expect(message?.reasoning ?? null).toBeNull();
      expect(typeof message?.content).toBe('string');
    });

    it('output_config.effort max on messages: Think Max kwargs and the prefix before the client system prompt', async () => {
      const { res, json, sent } = await send('/v1/messages', { model: 'claude-opus-4-1', max_tokens: 64, system: 'You are concise.', output_config: { effort: 'max' }, messages: [USER] });
      expect(res.status).toBe(200);
      expect(sent?.chat_template_kwargs).toEqual({ thinking: true, enable_thinking: true, reasoning_effort: 'max' });
      expect(sent?.system).toBe(`${DEFAULT_THINK_MAX_PREFIX}\n\nYou are concise.`);
      expect(sent?.output_config).toEqual({ effort: 'max' });
      expect((json.content as Array<{ type: string }>)[0]?.type).toBe('thinking');
    });

    it('Claude-style thinking disabled on messages: no thinking block for the client', async () => {
      const { json, sent } = await send('/v1/messages', { model: LIVE, max_tokens: 64, thinking: { type: 'disabled' }, messages: [USER] });
      expect(sent?.chat_template_kwargs).toEqual({ thinking: false, enable_thinking: false });
      expect((json.content as Array<{ type: string }>).map((b) => b.type)).toEqual(['text']);
    });

    it('the client’s own chat_template_kwargs win', async () => {
      const { sent } = await send('/v1/chat/completions', { model: `${LIVE}-nonthink`, chat_template_kwargs: { thinking: true, custom: 'x' }, messages: [USER] });
      expect(sent?.chat_template_kwargs).toEqual({ thinking: true, custom: 'x' });
    });
  });

  describe('max_tokens capping', () => {
    it('above MAX_OUTPUT_TOKENS: the backend gets 16384, the client a header and an unchanged body', async () => {
      const { res, json, sent } = await send('/v1/chat/completions', { model: LIVE, max_tokens: 32_000, messages: [USER] });
      expect(res.status).toBe(200);
      expect(sent?.max_tokens).toBe(16_384);
      expect(res.headers.get('x-worv-max-tokens-capped')).toBe('32000->16384');
      expect(json.object).toBe('chat.completion');
      expect(Object.keys(json)).not.toContain('x-worv-max-tokens-capped');
    });

    it('the header also comes with a stream; the backend gets the capped value', async () => {
      const res = await postJson(stack.gatewayUrl, '/v1/messages', key, { model: LIVE, max_tokens: 20_000, stream: true, messages: [USER] });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-worv-max-tokens-capped')).toBe('20000->16384');
      expect(await res.text()).toContain('event: message_stop');
      expect((stack.sim.getRequest(simId(res.headers))?.body as { max_tokens: number }).max_tokens).toBe(16_384);
    });

    it('Claude Code: max_tokens 32000 and budget 31999 on messages', async () => {
      const { res, sent } = await send('/v1/messages', { model: 'claude-sonnet-4-6', max_tokens: 32_000, thinking: { type: 'enabled', budget_tokens: 31_999 }, messages: [USER] });
      expect(res.status).toBe(200);
      expect(sent?.max_tokens).toBe(16_384);
      expect(sent?.thinking).toEqual({ type: 'enabled', budget_tokens: 16_383 });
      expect(res.headers.get('x-worv-max-tokens-capped')).toBe('32000->16384');
    });

    for (const path of ['/v1/chat%2Fcompletions', '/v1/%63hat/completions']) {
      it(`a percent-encoded path the backend routes as chat (${path}) is capped and metered as chat`, async () => {
        const k = await stack.createKey(`encoded-${path}`);
        const res = await postJson(stack.gatewayUrl, path, k.key, { model: LIVE, max_tokens: 32_000, messages: [USER] });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-worv-max-tokens-capped')).toBe('32000->16384');
        const json = (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
        const rec = stack.sim.getRequest(simId(res.headers));
        expect(rec?.url).toBe(path); // forwarded as the client sent it
        expect((rec?.body as { max_tokens: number }).max_tokens).toBe(16_384);
        expect(await stack.usage(k.id)).toMatchObject({ requests: 1, promptTokens: json.usage.prompt_tokens, completionTokens: json.usage.completion_tokens });
        expect(json.usage.completion_tokens).toBeGreaterThan(0);
      });
    }

    it('a trailing slash (/v1/chat/completions/) is chat, capped and metered, and forwarded to the route itself (the engine would redirect it to its own address)', async () => {
      const k = await stack.createKey('trailing-slash');
      const res = await postJson(stack.gatewayUrl, '/v1/chat/completions/?trace=1', k.key, { model: LIVE, max_tokens: 32_000, messages: [USER] });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-worv-max-tokens-capped')).toBe('32000->16384');
      const json = (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
      expect(stack.sim.getRequest(simId(res.headers))?.url).toBe('/v1/chat/completions?trace=1');
      expect(await stack.usage(k.id)).toMatchObject({ requests: 1, promptTokens: json.usage.prompt_tokens, completionTokens: json.usage.completion_tokens });
      const [row] = await requestLogRows(stack, k.id, 1);
      expect([row?.endpoint, row?.path]).toEqual(['chat', '/v1/chat/completions/']);
    });

    it('responses: max_output_tokens capped', async () => {
      const { res, sent } = await send('/v1/responses', { model: LIVE, input: 'x', max_output_tokens: 50_000 });
      expect(sent?.max_output_tokens).toBe(16_384);
      expect(res.headers.get('x-worv-max-tokens-capped')).toBe('50000->16384');
    });

    it('below the cap: forwarded as sent, no header', async () => {
      const { res, sent } = await send('/v1/completions', { model: LIVE, prompt: 'x', max_tokens: 8 });
      expect(sent?.max_tokens).toBe(8);
      expect(res.headers.has('x-worv-max-tokens-capped')).toBe(false);
    });

    it('a non-integer max_tokens is a 400 naming the field; nothing reaches the backend', async () => {
      const before = stack.sim.requests.length;
      const res = await postJson(stack.gatewayUrl, '/v1/messages', key, { model: LIVE, max_tokens: '100', messages: [USER] });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens must be a non-negative integer' } });
      expect(stack.sim.requests.length).toBe(before);
    });

    it('the input alone overflows the window: 400 in OpenAI\'s words and code instead of a negative budget', async () => {
      const generating = (): number => stack.sim.requests.filter((q) => q.path !== '/tokenize').length;
      const before = generating();
      // 850,000 chars: 283,333 tokens by the heuristic, 212,503 by the backend's count (asked,
      // since the window would cap), both over 202,752.
      const huge = 'word '.repeat(170_000);
      const res = await postJson(stack.gatewayUrl, '/v1/chat/completions', key, { model: LIVE, max_tokens: 100, messages: [{ role: 'user', content: huge }] });
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: { message: string; type: string; code: string } };
      expect(json.error.type).toBe('invalid_request_error');
      expect(json.error.code).toBe('context_length_exceeded');
      expect(json.error.message).toMatch(
        /^This model's maximum context length is 202752 tokens\. The input is about 2125\d\d tokens \(counted by the backend\); with 512 tokens reserved, that leaves no room for max_tokens\. Shorten the input\.$/,
      );
      expect(generating()).toBe(before);
    });

    it('on messages the overflow is Anthropic\'s "prompt is too long: N tokens > M maximum", the message Claude Code looks for', async () => {
      const generating = (): number => stack.sim.requests.filter((q) => q.path !== '/tokenize').length;
      const before = generating();
      const huge = 'word '.repeat(170_000);
      const res = await postJson(stack.gatewayUrl, '/v1/messages', key, { model: LIVE, max_tokens: 32_000, messages: [{ role: 'user', content: huge }] });
      expect(res.status).toBe(400);
      const json = (await res.json()) as { type: string; error: { type: string; message: string } };
      expect(json.type).toBe('error');
      expect(json.error.type).toBe('invalid_request_error');
      expect(json.error.message).toMatch(/^prompt is too long: 2125\d\d tokens > 202239 maximum$/);
      expect(generating()).toBe(before);
    });
  });
});
