// The official SDKs against the gateway (error bodies are shaped so official SDKs surface the
// message): non-streaming and streaming, tool calls, reasoning, abort, and the SDK error class
// and message for 401, 413, 429 (a budget used up), 503 and 504.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nextDayStart } from '../../src/core/limits.js';
import { updateApiKey } from '../../src/store/api-keys.repo.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { closedPortUrl } from './support.js';

const TOOLS_OPENAI: OpenAI.Chat.ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  },
];
const TOOLS_ANTHROPIC: Anthropic.Tool[] = [
  { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
];
const USER = 'Three primes greater than 100.';

let stack: Stack;
let key: string;
let keyId: string;
/** A gateway whose backend port refuses every connection. */
let down: Stack;
let downKey: string;
beforeAll(async () => {
  stack = await startStack({ env: { MAX_BODY_BYTES: '4096', PROXY_STREAM_READ_TIMEOUT: '0.3', PROXY_NONSTREAM_READ_TIMEOUT: '0.3' } });
  ({ key, id: keyId } = await stack.createKey());
  down = await startStack({ simulator: false, env: { VLLM_BASE_URL: await closedPortUrl() } });
  downKey = (await down.createKey()).key;
});
afterAll(async () => {
  await stack?.close();
  await down?.close();
});
afterEach(() => {
  stack.sim.clearRequests();
});

const generations = (path: string) => stack.sim.requests.filter((r) => r.path === path);

/** A key whose daily token budget one request used up (its 429 says Retry-After: the seconds to UTC midnight). */
async function spentKey(): Promise<string> {
  const k = await stack.createKey('spent');
  await updateApiKey(stack.store.db, k.id, { policy: { limits: { dailyTokens: 1 } } });
  const first = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${k.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-model', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
  });
  expect(first.status).toBe(200);
  await first.arrayBuffer();
  stack.sim.clearRequests();
  return k.key;
}

/** The call's outcome, or 'still waiting' after `ms` (an SDK sleeping out a long Retry-After). */
function within<T>(call: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  return Promise.race([call, new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), ms).unref())]);
}

const BUDGET_MESSAGE = (): string =>
  `Daily token budget of 1 tokens used up for this key; it resets at ${new Date(nextDayStart(Date.now())).toISOString()} (start of the next UTC day).`;

describe('openai SDK', () => {
  const client = () => new OpenAI({ apiKey: key, baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 0 });

  it('chat completion, non-streaming, with reasoning and usage', async () => {
    const res = await client().chat.completions.create({ model: 'sim-model', messages: [{ role: 'user', content: USER }] });
    expect(res.object).toBe('chat.completion');
    // The gateway's request id, read by the SDK from `x-request-id`.
    expect(res._request_id).toMatch(/^req_[0-9a-z]{9}[0-9a-f]{8}$/);
    expect(res.choices[0]?.message.content).toBeTruthy();
    expect((res.choices[0]?.message as unknown as { reasoning?: string }).reasoning).toBeTruthy();
    expect(res.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('chat completion, streaming: every chunk has a choice (the usage chunk is withheld), usage still counted', async () => {
    const before = await stack.usage(keyId);
    const stream = await client().chat.completions.create({ model: 'sim-model', messages: [{ role: 'user', content: USER }], stream: true });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.choices.length).toBeGreaterThan(0);
      expect(chunk.usage ?? undefined).toBeUndefined();
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text.length).toBeGreaterThan(0);
    const after = await stack.usage(keyId);
    expect(after.requests).toBe(before.requests + 1);
    expect(after.completionTokens).toBeGreaterThan(before.completionTokens);
  });

  it('chat completion, streaming with include_usage: the client gets the usage chunk', async () => {
    const stream = await client().chat.completions.create({
      model: 'sim-model',
      messages: [{ role: 'user', content: USER }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('the stream() helper assembles a final completion with tool calls', async () => {
    const runner = client().chat.completions.stream({ model: 'sim-model', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: TOOLS_OPENAI, tool_choice: 'required' });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(call?.type).toBe('function');
    expect(call?.type === 'function' ? call.function.name : undefined).toBe('get_weather');
    expect(() => JSON.parse(call?.type === 'function' ? call.function.arguments : '')).not.toThrow();
  });

  it('tool calls, non-streaming', async () => {
    const res = await client().chat.completions.create({ model: 'sim-model', messages: [{ role: 'user', content: 'Weather in Paris? [sim:tool]' }], tools: TOOLS_OPENAI });
    expect(res.choices[0]?.finish_reason).toBe('tool_calls');
    expect(res.choices[0]?.message.tool_calls?.length).toBeGreaterThan(0);
  });

  it('completions and responses', async () => {
    const c = await client().completions.create({ model: 'sim-model', prompt: USER });
    expect(c.choices[0]?.text).toBeTruthy();
    const r = await client().responses.create({ model: 'sim-model', input: USER });
    expect(r.output_text).toBeTruthy();
    const stream = await client().responses.create({ model: 'sim-model', input: USER, stream: true });
    const types = new Set<string>();
    for await (const event of stream) types.add(event.type);
    expect(types.has('response.output_text.delta')).toBe(true);
    expect(types.has('response.completed')).toBe(true);
  });

  it('abort: breaking out of a stream aborts the backend request', async () => {
    const stream = await client().chat.completions.create(
      { model: 'sim-model', messages: [{ role: 'user', content: USER }], stream: true },
      { headers: { 'x-sim-hold': 'sdk-abort', 'x-sim-hold-after': '2' } },
    );
    await stack.sim.waitForHold('sdk-abort');
    const rec = generations('/v1/chat/completions')[0]!;
    for await (const _chunk of stream) break;
    expect(await rec.closed).toBe('aborted');
    stack.sim.release('sdk-abort');
  });

  it('401 → AuthenticationError "401 Unauthorized"', async () => {
    const bad = new OpenAI({ apiKey: 'wp-nope', baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 0 });
    const err = await bad.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(401);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toBe('401 Unauthorized');
  });

  it('413 → APIError "413 Request body too large"', async () => {
    const err = await client().chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(5000) }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toBe('413 Request body too large');
    expect(generations('/v1/chat/completions')).toHaveLength(0);
  });

  it('503 → InternalServerError "503 Backend unavailable"', async () => {
    const toDown = new OpenAI({ apiKey: downKey, baseURL: `${down.gatewayUrl}/v1`, maxRetries: 0 });
    const err = await toDown.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toBe('503 Backend unavailable');
  });

  it('504 → InternalServerError "504 Backend timeout", not retried by the SDK (x-should-retry: false)', async () => {
    const retrying = new OpenAI({ apiKey: key, baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 2 });
    const err = await retrying.chat.completions
      .create({ model: 'sim-model', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-sim-fault': 'stall-headers' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toBe('504 Backend timeout');
    expect(generations('/v1/chat/completions')).toHaveLength(1);
  });

  it('a 502 or 504 the backend answered itself (a proxy in front of vLLM) is not retried by the SDK either', async () => {
    const retrying = new OpenAI({ apiKey: key, baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 2 });
    for (const status of [502, 504]) {
      const before = generations('/v1/chat/completions').length;
      const err = await retrying.chat.completions
        .create({ model: 'sim-model', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-sim-fault': `status:${status}` } })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
      expect(generations('/v1/chat/completions').length - before).toBe(1);
    }
  });

  it('429 daily budget used up → RateLimitError at once with the message, not retried (x-should-retry: false)', async () => {
    const retrying = new OpenAI({ apiKey: await spentKey(), baseURL: `${stack.gatewayUrl}/v1`, maxRetries: 2 });
    const err = await within(
      retrying.chat.completions.create({ model: 'sim-model', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e),
      3000,
    );
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toBe(`429 ${BUDGET_MESSAGE()}`);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('insufficient_quota');
    expect(generations('/v1/chat/completions')).toHaveLength(0);
  });

  it('a stream that times out after its first bytes raises an APIError with the message', async () => {
    const stream = await client().chat.completions.create(
      { model: 'sim-model', messages: [{ role: 'user', content: USER }], stream: true },
      { headers: { 'x-sim-fault': 'stall:3' } },
    );
    const err = await (async () => {
      for await (const _chunk of stream) {
        // read until the error frame
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toBe('Backend timeout');
  });
});

describe('@anthropic-ai/sdk', () => {
  const client = () => new Anthropic({ apiKey: key, baseURL: stack.gatewayUrl, maxRetries: 0 });

  it('messages, non-streaming, with a thinking block and usage (Authorization: Bearer)', async () => {
    const msg = await client().messages.create({ model: 'sim-model', max_tokens: 512, messages: [{ role: 'user', content: USER }] });
    expect(msg.type).toBe('message');
    // vLLM leaves out a null stop_sequence; Anthropic's API always sends it.
    expect(msg.stop_sequence).toBeNull();
    // The gateway's request id, read by the SDK from `request-id`.
    expect(msg._request_id).toMatch(/^req_[0-9a-z]{9}[0-9a-f]{8}$/);
    expect(msg.content.some((b) => b.type === 'thinking')).toBe(true);
    expect(msg.content.some((b) => b.type === 'text')).toBe(true);
    expect(msg.usage.output_tokens).toBeGreaterThan(0);
  });

  it('messages with x-api-key (how Claude Code and older SDKs authenticate)', async () => {
    const viaHeader = new Anthropic({ apiKey: null, authToken: null, baseURL: stack.gatewayUrl, maxRetries: 0, defaultHeaders: { 'x-api-key': key } });
    const msg = await viaHeader.messages.create({ model: 'sim-model', max_tokens: 256, messages: [{ role: 'user', content: USER }] });
    expect(msg.type).toBe('message');
  });

  it('messages.stream() assembles the final message; usage counted', async () => {
    const before = await stack.usage(keyId);
    const stream = client().messages.stream({ model: 'sim-model', max_tokens: 512, messages: [{ role: 'user', content: USER }] });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('end_turn');
    // What vLLM's stream leaves out, as Anthropic's API sends it: an agent loop appends this message as it is.
    expect([final.type, final.role, final.stop_sequence]).toEqual(['message', 'assistant', null]);
    expect(final.content.some((b) => b.type === 'text')).toBe(true);
    const after = await stack.usage(keyId);
    expect(after.requests).toBe(before.requests + 1);
    expect(after.promptTokens - before.promptTokens).toBe(final.usage.input_tokens);
    expect(after.completionTokens - before.completionTokens).toBe(final.usage.output_tokens);
  });

  it('tool use, streamed', async () => {
    const stream = client().messages.stream({ model: 'sim-model', max_tokens: 512, tools: TOOLS_ANTHROPIC, tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    const use = final.content.find((b) => b.type === 'tool_use');
    expect(use?.type === 'tool_use' ? use.name : undefined).toBe('get_weather');
  });

  it('a forced tool call ends with stop_reason tool_use, streamed and not (vLLM says end_turn)', async () => {
    const body: Anthropic.MessageCreateParamsNonStreaming = { model: 'sim-model', max_tokens: 512, tools: TOOLS_ANTHROPIC, tool_choice: { type: 'tool', name: 'get_weather' }, messages: [{ role: 'user', content: 'Weather in Paris?' }] };
    const direct = await fetch(`${stack.sim.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(((await direct.json()) as { stop_reason: string }).stop_reason).toBe('end_turn');
    const final = await client().messages.stream(body).finalMessage();
    expect([final.stop_reason, final.stop_sequence, final.role]).toEqual(['tool_use', null, 'assistant']);
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'tool_use']);
    const msg = await client().messages.create(body);
    expect([msg.stop_reason, msg.stop_sequence, msg.type, msg.role]).toEqual(['tool_use', null, 'message', 'assistant']);
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'tool_use']);
  });

  it('abort: aborting the stream aborts the backend request', async () => {
    const stream = client().messages.stream(
      { model: 'sim-model', max_tokens: 512, messages: [{ role: 'user', content: USER }] },
      { headers: { 'x-sim-hold': 'sdk-abort-a', 'x-sim-hold-after': '2' } },
    );
    await stack.sim.waitForHold('sdk-abort-a');
    const rec = generations('/v1/messages')[0]!;
    stream.abort();
    await stream.done().catch(() => undefined);
    expect(await rec.closed).toBe('aborted');
    stack.sim.release('sdk-abort-a');
  });

  const expectError = (err: unknown, cls: unknown, status: number, type: string, message: string): void => {
    expect(err).toBeInstanceOf(cls);
    const e = err as InstanceType<typeof Anthropic.APIError>;
    expect(e.status).toBe(status);
    expect(e.type).toBe(type);
    expect(e.apiMessage).toBe(message);
  };

  it('401 → AuthenticationError with the message', async () => {
    const bad = new Anthropic({ apiKey: 'wp-nope', baseURL: stack.gatewayUrl, maxRetries: 0 });
    const err = await bad.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expectError(err, Anthropic.AuthenticationError, 401, 'authentication_error', 'Unauthorized');
  });

  it('413 → APIError request_too_large', async () => {
    const err = await client().messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x'.repeat(5000) }] }).catch((e: unknown) => e);
    expectError(err, Anthropic.APIError, 413, 'request_too_large', 'Request body too large');
  });

  it('503 → InternalServerError Backend unavailable', async () => {
    const toDown = new Anthropic({ apiKey: downKey, baseURL: down.gatewayUrl, maxRetries: 0 });
    const err = await toDown.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expectError(err, Anthropic.InternalServerError, 503, 'api_error', 'Backend unavailable');
  });

  it('504 → InternalServerError Backend timeout, not retried', async () => {
    const retrying = new Anthropic({ apiKey: key, baseURL: stack.gatewayUrl, maxRetries: 2 });
    const err = await retrying.messages
      .create({ model: 'sim-model', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-sim-fault': 'stall-headers' } })
      .catch((e: unknown) => e);
    expectError(err, Anthropic.InternalServerError, 504, 'timeout_error', 'Backend timeout');
    expect(generations('/v1/messages')).toHaveLength(1);
  });

  it('429 daily budget used up → RateLimitError at once with the message, not retried', async () => {
    const retrying = new Anthropic({ apiKey: await spentKey(), baseURL: stack.gatewayUrl, maxRetries: 2 });
    const err = await within(
      retrying.messages.create({ model: 'sim-model', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e),
      3000,
    );
    expectError(err, Anthropic.RateLimitError, 429, 'rate_limit_error', BUDGET_MESSAGE());
    expect(generations('/v1/messages')).toHaveLength(0);
  });

  it('a stream that times out after its first bytes raises an APIError with the message', async () => {
    const stream = client().messages.stream(
      { model: 'sim-model', max_tokens: 512, messages: [{ role: 'user', content: USER }] },
      { headers: { 'x-sim-fault': 'stall:3' } },
    );
    const err = await stream.finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).apiMessage).toBe('Backend timeout');
  });
});
