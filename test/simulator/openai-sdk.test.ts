import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { chatPromptTokens, createSimulator, responsesPromptTokens } from '../../src/simulator/index.js';
import type { Simulator, SimulatorOptions } from '../../src/simulator/index.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function client(options: SimulatorOptions = {}, apiKey = 'unused', headers: Record<string, string> = {}): Promise<OpenAI> {
  sim = createSimulator(options);
  const { url } = await sim.listen();
  return new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0, defaultHeaders: headers });
}

const messages = [{ role: 'user' as const, content: 'What is the weather?' }];
const tools = [{
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] } },
}];

describe('openai SDK against the simulator: chat', () => {
  it('non-stream and stream (include_usage) give the same text and usage', async () => {
    const c = await client({ seed: 3 });
    const full = await c.chat.completions.create({ model: 'sim-model', messages });
    const prompt = chatPromptTokens({ messages });
    expect(full.object).toBe('chat.completion');
    expect(full.choices[0]?.finish_reason).toBe('stop');
    expect(full.usage).toEqual({ prompt_tokens: prompt, total_tokens: prompt + 24, completion_tokens: 24, prompt_tokens_details: null });
    const stream = await c.chat.completions.create({ model: 'sim-model', messages, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let reasoning = '';
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      const delta = chunk.choices[0]?.delta as (Record<string, unknown> & { content?: string | null }) | undefined;
      text += delta?.content ?? '';
      if (typeof delta?.reasoning === 'string') reasoning += delta.reasoning;
    }
    expect(text).toBe(full.choices[0]?.message.content);
    expect(reasoning).toBe((full.choices[0]?.message as unknown as { reasoning: string }).reasoning);
    expect(reasoning.length).toBeGreaterThan(0);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual({ prompt_tokens: prompt, total_tokens: prompt + 24, completion_tokens: 24 });
  });

  it('legacy era streams reasoning_content', async () => {
    const c = await client({ era: 'legacy' });
    const stream = await c.chat.completions.create({ model: 'sim-model', messages, stream: true });
    const fields = new Set<string>();
    for await (const chunk of stream) for (const k of Object.keys(chunk.choices[0]?.delta ?? {})) fields.add(k);
    expect(fields.has('reasoning_content')).toBe(true);
    expect(fields.has('reasoning')).toBe(false);
  });

  it('tools, non-stream: tool_calls with JSON arguments, finish tool_calls', async () => {
    const c = await client();
    const r = await c.chat.completions.create({ model: 'sim-model', messages, tools, tool_choice: 'required' });
    const call = r.choices[0]?.message.tool_calls?.[0];
    expect(r.choices[0]?.finish_reason).toBe('tool_calls');
    expect(r.choices[0]?.message.content).toBeNull();
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.id).toMatch(/^chatcmpl-tool-[0-9a-f]{16}$/);
    expect(call.function.name).toBe('get_weather');
    expect(Object.keys(JSON.parse(call.function.arguments) as object)).toEqual(['city', 'days']);
  });

  it('tools, stream: ChatCompletionStream.finalChatCompletion() assembles the call', async () => {
    const c = await client();
    const runner = c.chat.completions.stream({ model: 'sim-model', messages, tools, tool_choice: 'required', stream_options: { include_usage: true } });
    const final = await runner.finalChatCompletion();
    const choice = final.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    const call = choice?.message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('expected a function call');
    const args = JSON.parse(call.function.arguments) as { city: unknown; days: unknown };
    expect(typeof args.city).toBe('string');
    expect(Number.isInteger(args.days)).toBe(true);
    expect(final.usage?.completion_tokens).toBeGreaterThan(0);
  });
});

describe('openai SDK: completions, responses, embeddings', () => {
  it('completions, stream and not', async () => {
    const c = await client({ seed: 5 });
    const r = await c.completions.create({ model: 'sim-model', prompt: 'Once upon a time', max_tokens: 8 });
    expect(r.choices[0]?.finish_reason).toBe('length');
    expect(r.usage?.completion_tokens).toBe(8);
    const s = await c.completions.create({ model: 'sim-model', prompt: 'Once upon a time', max_tokens: 8, stream: true });
    let text = '';
    for await (const chunk of s) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe(r.choices[0]?.text);
  });

  it('responses.create and responses.stream', async () => {
    const c = await client({ seed: 2 });
    const r = await c.responses.create({ model: 'sim-model', input: 'Say hi', instructions: 'Be brief' });
    expect(r.status).toBe('completed');
    expect(r.output_text.length).toBeGreaterThan(0);
    const prompt = responsesPromptTokens({ input: 'Say hi', instructions: 'Be brief' });
    expect(r.usage).toMatchObject({ input_tokens: prompt, output_tokens: 24, total_tokens: prompt + 24, output_tokens_details: { reasoning_tokens: 8 } });
    const stream = c.responses.stream({ model: 'sim-model', input: 'Say hi', instructions: 'Be brief' });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
    const final = await stream.finalResponse();
    expect(final.output_text).toBe(r.output_text);
    expect(deltas.join('')).toBe(r.output_text);
    expect(final.usage?.output_tokens).toBe(24);
  });

  it('responses with a function tool', async () => {
    const c = await client();
    const r = await c.responses.create({
      model: 'sim-model', input: 'weather? [sim:tool]',
      tools: [{ type: 'function', name: 'get_weather', strict: false, parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
    });
    const call = r.output.find((o) => o.type === 'function_call');
    expect(call?.type).toBe('function_call');
    if (call?.type !== 'function_call') throw new Error('expected a function call');
    expect(call.name).toBe('get_weather');
    expect(Object.keys(JSON.parse(call.arguments) as object)).toEqual(['city']);
  });

  it('embeddings', async () => {
    const c = await client({ embeddingDim: 8 });
    const r = await c.embeddings.create({ model: 'sim-model', input: ['a', 'b'], encoding_format: 'float' });
    expect(r.data).toHaveLength(2);
    expect(r.data[0]?.embedding).toHaveLength(8);
    const b64 = await c.embeddings.create({ model: 'sim-model', input: 'a' });
    expect(b64.data[0]?.embedding).toHaveLength(8);
    expect(b64.data[0]?.embedding[0]).toBeCloseTo(r.data[0]?.embedding[0] ?? NaN, 5);
  });
});

describe('openai SDK: errors and faults', () => {
  it('a wrong model surfaces as NotFoundError with vLLM’s message', async () => {
    const c = await client({ model: 'Real-Model' });
    const err = await c.chat.completions.create({ model: 'real-model', messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).status).toBe(404);
    expect((err as Error).message).toContain('The model `real-model` does not exist.');
  });

  it('api key: Bearer accepted, wrong key is AuthenticationError', async () => {
    const c = await client({ apiKey: 'k1' }, 'k1');
    expect((await c.models.list()).data[0]?.id).toBe('sim-model');
    const wrong = new OpenAI({ baseURL: `${sim?.url ?? ''}/v1`, apiKey: 'nope', maxRetries: 0 });
    await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('a 5xx status fault is an APIError with that status', async () => {
    const c = await client({ fault: 'status:503' });
    const err = await c.chat.completions.create({ model: 'sim-model', messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
  });

  it('a reset mid-stream surfaces as an error while iterating', async () => {
    const c = await client({}, 'unused', { 'x-sim-fault': 'reset:3' });
    const stream = await c.chat.completions.create({ model: 'sim-model', messages, stream: true });
    let seen = 0;
    const iterate = async (): Promise<void> => {
      for await (const _ of stream) seen++;
    };
    await expect(iterate()).rejects.toThrow();
    expect(seen).toBe(3);
  });

  it('an in-stream error frame is thrown as an APIError', async () => {
    const c = await client({}, 'unused', { 'x-sim-fault': 'error:2:generation failed' });
    const stream = await c.chat.completions.create({ model: 'sim-model', messages, stream: true });
    const iterate = async (): Promise<void> => {
      for await (const _ of stream) { /* drain */ }
    };
    await expect(iterate()).rejects.toThrow(/generation failed/);
  });
});
