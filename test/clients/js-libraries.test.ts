// The JavaScript libraries of docs/clients.md, run against the simulator through the
// gateway exactly as the recipes configure them: LangChain's ChatOpenAI and the Vercel AI
// SDK (Chat Completions and Responses). Each answer arrives and is counted on the key.
import { ChatOpenAI } from '@langchain/openai';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/harness.js';

let stack: Stack;
let key = '';
let keyId = '';

beforeAll(async () => {
  stack = await startStack();
  ({ key, id: keyId } = await stack.createKey('js-libraries'));
});
afterAll(async () => {
  await stack?.close();
});

describe('LangChain JS (ChatOpenAI)', () => {
  const llm = () => new ChatOpenAI({ model: 'sim-model', apiKey: key, maxRetries: 0, configuration: { baseURL: `${stack.gatewayUrl}/v1` } });

  it('invoke, stream and a required tool call', async () => {
    const before = (await stack.usage(keyId)).requests;
    const answer = await llm().invoke('Say hello.');
    expect(typeof answer.content).toBe('string');
    expect((answer.content as string).length).toBeGreaterThan(0);
    let streamed = '';
    for await (const chunk of await llm().stream('Say hello.')) streamed += typeof chunk.content === 'string' ? chunk.content : '';
    expect(streamed.length).toBeGreaterThan(0);
    const withTool = llm().bindTools(
      [{ type: 'function', function: { name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] } } }],
      { tool_choice: 'required' },
    );
    const call = (await withTool.invoke('Weather in Paris?')).tool_calls?.[0];
    expect(call?.name).toBe('get_weather');
    expect(typeof call?.args.city).toBe('string');
    expect(Number.isInteger(call?.args.days)).toBe(true);
    expect((await stack.usage(keyId)).requests).toBe(before + 3);
  });
});

describe('Vercel AI SDK (@ai-sdk/openai)', () => {
  const provider = () => createOpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: key });

  it('generateText over Chat Completions and over Responses, streamText', async () => {
    const chat = await generateText({ model: provider().chat('sim-model'), prompt: 'Say hello.', maxRetries: 0 });
    expect(chat.text.length).toBeGreaterThan(0);
    expect(chat.usage.inputTokens).toBeGreaterThan(0);
    const responses = await generateText({ model: provider().responses('sim-model'), prompt: 'Say hello.', maxRetries: 0 });
    expect(responses.text.length).toBeGreaterThan(0);
    const stream = streamText({ model: provider().chat('sim-model'), prompt: 'Say hello.', maxRetries: 0 });
    let text = '';
    for await (const delta of stream.textStream) text += delta;
    expect(text.length).toBeGreaterThan(0);
    expect(text).toBe(await stream.text);
  });
});
