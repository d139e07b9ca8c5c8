import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, messagesPromptTokens } from '../../src/simulator/index.js';
import type { Simulator, SimulatorOptions } from '../../src/simulator/index.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function client(options: SimulatorOptions = {}, authToken = 'unused', headers: Record<string, string> = {}): Promise<Anthropic> {
  sim = createSimulator(options);
  const { url } = await sim.listen();
  return new Anthropic({ baseURL: url, authToken, maxRetries: 0, defaultHeaders: headers });
}

const messages = [{ role: 'user' as const, content: 'What is the weather in Paris?' }];
const tools = [{ name: 'get_weather', description: 'weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }];

describe('@anthropic-ai/sdk against the simulator', () => {
  it('messages.create: thinking block with signature, text, usage, chatcmpl id', async () => {
    const c = await client({ seed: 4 });
    const body = { model: 'sim-model', max_tokens: 200, system: 'Be brief.', messages };
    const m = await c.messages.create(body);
    expect(m.id).toMatch(/^chatcmpl-[0-9a-f]{16}$/);
    expect(m.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    const thinking = m.content[0];
    if (thinking?.type !== 'thinking') throw new Error('expected thinking');
    expect(thinking.signature).toMatch(/^[0-9a-f]{32}$/);
    expect(m.stop_reason).toBe('end_turn');
    expect(m.usage).toEqual({ input_tokens: messagesPromptTokens(body), output_tokens: 24 });
  });

  it('the Anthropic thinking field is ignored; chat_template_kwargs turns thinking off (as vLLM)', async () => {
    const c = await client();
    const withField = await c.messages.create({ model: 'sim-model', max_tokens: 2000, messages, thinking: { type: 'disabled' } });
    expect(withField.content[0]?.type).toBe('thinking');
    const off = await c.messages.create({ model: 'sim-model', max_tokens: 200, messages }, { body: { model: 'sim-model', max_tokens: 200, messages, chat_template_kwargs: { enable_thinking: false } } });
    expect(off.content.map((b) => b.type)).toEqual(['text']);
  });

  it('messages.stream().finalMessage() with thinking and tool_use', async () => {
    const c = await client({ seed: 9 });
    const stream = c.messages.stream({ model: 'sim-model', max_tokens: 500, messages, tools, tool_choice: { type: 'any' } });
    const thinkingDeltas: string[] = [];
    stream.on('thinking', (delta) => thinkingDeltas.push(delta));
    const final = await stream.finalMessage();
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'tool_use']);
    const [thinking, tool] = final.content;
    if (thinking?.type !== 'thinking' || tool?.type !== 'tool_use') throw new Error('unexpected blocks');
    expect(thinking.thinking).toBe(thinkingDeltas.join(''));
    expect(thinking.signature).toMatch(/^[0-9a-f]{32}$/);
    expect(tool.name).toBe('get_weather');
    expect(tool.id).toMatch(/^chatcmpl-tool-/);
    expect(Object.keys(tool.input as object)).toEqual(['city']);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.usage.output_tokens).toBeGreaterThan(8);
    expect(final.usage.input_tokens).toBe(messagesPromptTokens({ messages, tools }));
    const nonStream = await c.messages.create({ model: 'sim-model', max_tokens: 500, messages, tools, tool_choice: { type: 'any' } });
    // Same text seed, so the same arguments; ids differ because the bodies differ (stream: true).
    expect({ ...nonStream.content[1], id: tool.id }).toEqual(tool);
  });

  it('stream text matches the non-stream text for the same seed', async () => {
    const c = await client({ seed: 1 }, 'unused', { 'x-sim-reasoning': 'off' });
    const stream = c.messages.stream({ model: 'sim-model', max_tokens: 100, messages });
    const final = await stream.finalMessage();
    const plain = await c.messages.create({ model: 'sim-model', max_tokens: 100, messages });
    expect(final.content).toEqual(plain.content);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('max_tokens truncation gives stop_reason max_tokens', async () => {
    const c = await client();
    const m = await c.messages.create({ model: 'sim-model', max_tokens: 3, messages });
    expect(m.stop_reason).toBe('max_tokens');
    expect(m.usage.output_tokens).toBe(3);
  });

  it('countTokens', async () => {
    const c = await client();
    const r = await c.messages.countTokens({ model: 'sim-model', messages, tools });
    expect(r.input_tokens).toBe(messagesPromptTokens({ messages, tools }));
  });

  it('a wrong model is NotFoundError', async () => {
    const c = await client({ model: 'Sim' });
    await expect(c.messages.create({ model: 'sim', max_tokens: 5, messages })).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });

  it('api key: authToken (Bearer) accepted, x-api-key rejected', async () => {
    const c = await client({ apiKey: 'k1' }, 'k1');
    expect((await c.messages.create({ model: 'sim-model', max_tokens: 5, messages })).type).toBe('message');
    const r = await fetch(`${sim?.url ?? ''}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'k1' }, body: JSON.stringify({ model: 'sim-model', max_tokens: 5, messages }),
    });
    expect(r.status).toBe(401);
    const wrong = new Anthropic({ baseURL: sim?.url ?? '', authToken: 'nope', maxRetries: 0 });
    await expect(wrong.messages.create({ model: 'sim-model', max_tokens: 5, messages })).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it('an in-stream error event rejects the stream', async () => {
    const c = await client({}, 'unused', { 'x-sim-fault': 'error:3:overloaded' });
    const stream = c.messages.stream({ model: 'sim-model', max_tokens: 100, messages });
    await expect(stream.finalMessage()).rejects.toThrow(/overloaded/);
  });
});
