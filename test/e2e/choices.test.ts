// Several choices (`n` > 1) on chat and completions: the backend's usage covers every choice and
// is what the key is charged, streamed or not, with or without the client's own usage chunk; a
// stream the client leaves counts one token per output delta over all choices.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/harness.js';
import { frames, rawRequest, readAll, readUntil, reportedUsage, simId, until } from './support.js';

interface Chunk {
  readonly choices: { index: number; finish_reason: string | null }[];
  readonly usage?: { prompt_tokens: number; completion_tokens: number } | null;
}

const CHAT = { model: 'sim-model', messages: [{ role: 'user', content: 'Name a prime.' }] };
const COMPLETIONS = { model: 'sim-model', prompt: 'Name a prime.', max_tokens: 50 };

describe('n > 1 choices', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Four content and two reasoning tokens per choice.
    stack = await startStack({ simulator: { tokens: 4, reasoningTokens: 2, seed: 5 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const post = (key: string, path: string, body: object, headers: Record<string, string> = {}) =>
    rawRequest(stack.gatewayUrl, {
      method: 'POST',
      path,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const chunks = (text: string): Chunk[] =>
    frames(text).map((f) => f.replace(/^data: /, '').trim()).filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as Chunk);

  it('chat, not streamed: three choices; the key is charged the usage over all three', async () => {
    const { id, key } = await stack.createKey('json');
    const r = await post(key, '/v1/chat/completions', { ...CHAT, n: 3 });
    expect(r.status).toBe(200);
    const body = JSON.parse((await readAll(r.res)).toString()) as { choices: { index: number; message: { content: string } }[]; usage?: Chunk['usage'] };
    expect(body.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(new Set(body.choices.map((c) => c.message.content)).size).toBe(3);
    expect(body.usage?.completion_tokens).toBe(18);
    expect(await stack.usage(id)).toEqual({ requests: 1, promptTokens: body.usage?.prompt_tokens, completionTokens: 18 });
  });

  it('chat, streamed with include_usage: both choices interleaved, one usage chunk over both, charged as reported', async () => {
    const { id, key } = await stack.createKey('stream');
    const r = await post(key, '/v1/chat/completions', { ...CHAT, n: 2, stream: true, stream_options: { include_usage: true } });
    const text = (await readAll(r.res)).toString();
    const got = chunks(text);
    expect(got.filter((c) => c.choices[0]?.finish_reason != null).map((c) => c.choices[0]?.index).sort()).toEqual([0, 1]);
    const usage = reportedUsage(text);
    expect(usage?.completionTokens).toBe(12);
    expect(await stack.usage(id)).toEqual({ requests: 1, promptTokens: usage?.promptTokens, completionTokens: 12 });
  });

  it('chat, streamed without stream_options: the gateway asks for the usage, withholds its chunk, and charges both choices', async () => {
    const { id, key } = await stack.createKey('hidden');
    const r = await post(key, '/v1/chat/completions', { ...CHAT, n: 2, stream: true });
    const text = (await readAll(r.res)).toString();
    expect(chunks(text).some((c) => c.usage != null)).toBe(false);
    expect(new Set(chunks(text).map((c) => c.choices[0]?.index))).toEqual(new Set([0, 1]));
    expect((await stack.usage(id)).completionTokens).toBe(12);
  });

  it('completions, streamed: usage over both choices', async () => {
    const { id, key } = await stack.createKey('completions');
    const r = await post(key, '/v1/completions', { ...COMPLETIONS, n: 2, stream: true, stream_options: { include_usage: true } });
    const text = (await readAll(r.res)).toString();
    const usage = reportedUsage(text);
    expect(usage?.completionTokens).toBe(8);
    expect(await stack.usage(id)).toEqual({ requests: 1, promptTokens: usage?.promptTokens, completionTokens: 8 });
  });

  it('chat, a stream the client leaves: one token per output delta relayed, over both choices', async () => {
    const { id, key } = await stack.createKey('left');
    // Two role chunks, then two steps of one token per choice: four output deltas.
    const r = await post(key, '/v1/chat/completions', { ...CHAT, n: 2, stream: true }, { 'x-sim-hold': 'n-left', 'x-sim-hold-after': '6' });
    await stack.sim.waitForHold('n-left');
    await readUntil(r.res, (t) => frames(t).length >= 6);
    const rec = stack.sim.getRequest(simId(r.headers));
    r.res.destroy();
    expect(await rec!.closed).toBe('aborted');
    stack.sim.release('n-left');
    await until(async () => (await stack.usage(id)).requests === 1);
    const usage = await stack.usage(id);
    expect(usage.completionTokens).toBe(4);
    expect(usage.promptTokens).toBeGreaterThan(0);
  });

  it('n as a numeric string ("3") is three choices, as vLLM reads it, charged over all three; other text is refused', async () => {
    const { id, key } = await stack.createKey('text-n');
    const r = await post(key, '/v1/chat/completions', { ...CHAT, n: '3' });
    expect(r.status).toBe(200);
    const body = JSON.parse((await readAll(r.res)).toString()) as { choices: unknown[]; usage?: Chunk['usage'] };
    expect(body.choices).toHaveLength(3);
    expect(body.usage?.completion_tokens).toBe(18);
    expect(await stack.usage(id)).toEqual({ requests: 1, promptTokens: body.usage?.prompt_tokens, completionTokens: 18 });
    const bad = await post(key, '/v1/chat/completions', { ...CHAT, n: 'three' });
    expect(bad.status).toBe(400);
    expect(JSON.parse((await readAll(bad.res)).toString())).toMatchObject({ error: { message: 'n: Input should be a valid integer', param: 'n' } });
  });

  it('the simulator refuses n below 1 as vLLM does, and n above its own bound of 128; the gateway passes its 400 on', async () => {
    const { key } = await stack.createKey('zero');
    const r = await post(key, '/v1/chat/completions', { ...CHAT, n: 0 });
    expect(r.status).toBe(400);
    expect(JSON.parse((await readAll(r.res)).toString())).toMatchObject({ error: { message: 'n must be at least 1, got 0.', param: 'n' } });
    const huge = await post(key, '/v1/completions', { ...COMPLETIONS, n: 1e9 });
    expect(huge.status).toBe(400);
    expect(JSON.parse((await readAll(huge.res)).toString())).toMatchObject({ error: { message: 'n must be at most 128 in the simulator, got 1000000000.', param: 'n' } });
  });
});
