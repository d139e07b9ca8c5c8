import { describe, expect, it } from 'vitest';
import { textPlan, toolPlan } from '../../../test/helpers/simulator-plans.js';
import { chatCompletionJson, chatErrorFrames, chatStreamSteps } from './chat.js';
import type { ChatRender } from './chat.js';

const base = (over: Partial<ChatRender> = {}): ChatRender => ({ id: 'chatcmpl-1', created: 5, model: 'm', era: 'modern', plan: textPlan(), ...over });
const H = '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":5,"model":"m","choices":[';
const data = (json: string): string => `data: ${json}\n\n`;

describe('chatStreamSteps', () => {
  it('modern era with include_usage: role chunk, one chunk per token, finish on the last, usage, [DONE]', () => {
    const steps = [...chatStreamSteps(base(), { include: true, continuous: false })];
    expect(steps.map((s) => s.length)).toEqual([2, 1, 1, 3]);
    expect(steps.flat()).toEqual([
      data(`${H}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"prompt_token_ids":null}`),
      data(`${H}{"index":0,"delta":{"reasoning":"Hm"},"logprobs":null,"finish_reason":null,"token_ids":null}]}`),
      data(`${H}{"index":0,"delta":{"reasoning":" ok"},"logprobs":null,"finish_reason":null,"token_ids":null}]}`),
      data(`${H}{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null,"token_ids":null}]}`),
      data(`${H}{"index":0,"delta":{"content":" there"},"logprobs":null,"finish_reason":"stop","stop_reason":null,"token_ids":null}]}`),
      data(`${H}],"usage":{"prompt_tokens":10,"total_tokens":14,"completion_tokens":4}}`),
      'data: [DONE]\n\n',
    ]);
  });

  it('legacy era uses reasoning_content only; no usage chunk without include', () => {
    const frames = [...chatStreamSteps(base({ era: 'legacy' }), { include: false, continuous: false })].flat();
    expect(frames[1]).toContain('"delta":{"reasoning_content":"Hm"}');
    expect(frames[3]).toContain('"delta":{"content":"Hi"}');
    expect(frames).toHaveLength(6);
    expect(frames[5]).toBe('data: [DONE]\n\n');
  });

  it('dual era mirrors reasoning and adds reasoning_content:null elsewhere', () => {
    const frames = [...chatStreamSteps(base({ era: 'dual' }), { include: false, continuous: false })].flat();
    expect(frames[0]).toContain('"delta":{"role":"assistant","content":"","reasoning_content":null}');
    expect(frames[1]).toContain('"delta":{"reasoning":"Hm","reasoning_content":"Hm"}');
    expect(frames[3]).toContain('"delta":{"content":"Hi","reasoning_content":null}');
  });

  it('continuous usage puts cumulative usage on every chunk, role chunk at 0', () => {
    const frames = [...chatStreamSteps(base(), { include: true, continuous: true })].flat();
    expect(frames[0]).toBe(data(`${H}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":{"prompt_tokens":10,"total_tokens":10,"completion_tokens":0},"prompt_token_ids":null}`));
    expect(frames[2]).toContain('],"usage":{"prompt_tokens":10,"total_tokens":12,"completion_tokens":2}}');
    expect(frames[4]).toContain('"finish_reason":"stop","stop_reason":null,"token_ids":null}],"usage":{"prompt_tokens":10,"total_tokens":14,"completion_tokens":4}}');
  });

  it('tool calls: id, type, index, function on the first fragment, arguments after', () => {
    const frames = [...chatStreamSteps(base({ plan: toolPlan() }), { include: false, continuous: false })].flat();
    expect(frames[2]).toBe(data(`${H}{"index":0,"delta":{"tool_calls":[{"id":"chatcmpl-tool-abc","type":"function","index":0,"function":{"name":"get_weather","arguments":"{\\"city\\": "}}]},"logprobs":null,"finish_reason":null,"token_ids":null}]}`));
    expect(frames[3]).toContain('"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\\"Paris\\""}}]}');
    expect(frames[4]).toContain('"finish_reason":"tool_calls"');
  });

  it('an empty answer still has a role chunk and a finish chunk with an empty delta', () => {
    const plan = textPlan({ pieces: [], reasoning: '', content: '', completionTokens: 0, reasoningTokens: 0 });
    const steps = [...chatStreamSteps(base({ plan }), { include: false, continuous: false })];
    expect(steps).toHaveLength(1);
    expect(steps[0]?.[1]).toContain('"delta":{},"logprobs":null,"finish_reason":"stop"');
  });
  it('n = 2: a role chunk per choice, then a chunk per choice each step until each is done; usage over both', () => {
    const short = textPlan({ content: 'Yo', reasoning: '', reasoningTokens: 0, completionTokens: 1, pieces: [{ kind: 'content', text: 'Yo' }], finish: 'length' });
    const steps = [...chatStreamSteps(base({ others: [short] }), { include: true, continuous: false })];
    expect(steps.map((s) => s.length)).toEqual([4, 1, 1, 3]);
    expect(steps.flat()).toEqual([
      data(`${H}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"prompt_token_ids":null}`),
      data(`${H}{"index":1,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"prompt_token_ids":null}`),
      data(`${H}{"index":0,"delta":{"reasoning":"Hm"},"logprobs":null,"finish_reason":null,"token_ids":null}]}`),
      data(`${H}{"index":1,"delta":{"content":"Yo"},"logprobs":null,"finish_reason":"length","stop_reason":null,"token_ids":null}]}`),
      data(`${H}{"index":0,"delta":{"reasoning":" ok"},"logprobs":null,"finish_reason":null,"token_ids":null}]}`),
      data(`${H}{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null,"token_ids":null}]}`),
      data(`${H}{"index":0,"delta":{"content":" there"},"logprobs":null,"finish_reason":"stop","stop_reason":null,"token_ids":null}]}`),
      data(`${H}],"usage":{"prompt_tokens":10,"total_tokens":15,"completion_tokens":5}}`),
      'data: [DONE]\n\n',
    ]);
  });
});

describe('chatCompletionJson', () => {
  it('modern era: full dump with nulls and vLLM usage key order', () => {
    expect(chatCompletionJson(base())).toBe(
      '{"id":"chatcmpl-1","object":"chat.completion","created":5,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hi there","refusal":null,"annotations":null,"audio":null,"function_call":null,"tool_calls":[],"reasoning":"Hm ok"},"logprobs":null,"finish_reason":"stop","stop_reason":null,"token_ids":null}],"service_tier":null,"system_fingerprint":null,"usage":{"prompt_tokens":10,"total_tokens":14,"completion_tokens":4,"prompt_tokens_details":null},"prompt_logprobs":null,"prompt_token_ids":null,"kv_transfer_params":null}',
    );
  });

  it('dual and legacy eras', () => {
    expect(chatCompletionJson(base({ era: 'dual' }))).toContain('"reasoning":"Hm ok","reasoning_content":"Hm ok"}');
    expect(chatCompletionJson(base({ era: 'legacy' }))).toContain('"message":{"role":"assistant","reasoning_content":"Hm ok","content":"Hi there","tool_calls":[]}');
  });

  it('tool calls: content null, arguments as text', () => {
    const json = JSON.parse(chatCompletionJson(base({ plan: toolPlan() }))) as { choices: { message: Record<string, unknown>; finish_reason: string }[] };
    expect(json.choices[0]?.message.content).toBeNull();
    expect(json.choices[0]?.message.tool_calls).toEqual([{ id: 'chatcmpl-tool-abc', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }]);
    expect(json.choices[0]?.finish_reason).toBe('tool_calls');
  });
});

describe('chatErrorFrames', () => {
  it('is an error data frame then [DONE]', () => {
    expect(chatErrorFrames('boom')).toEqual([
      'data: {"error":{"message":"boom","type":"InternalServerError","param":null,"code":500}}\n\n',
      'data: [DONE]\n\n',
    ]);
  });

  it('n = 2: two choices with their own index and finish; usage counts both', () => {
    const short = textPlan({ content: 'Yo', reasoning: '', reasoningTokens: 0, completionTokens: 1, finish: 'length' });
    const json = JSON.parse(chatCompletionJson(base({ others: [short] }))) as { choices: { index: number; message: { content: string }; finish_reason: string }[]; usage: Record<string, unknown> };
    expect(json.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([[0, 'Hi there', 'stop'], [1, 'Yo', 'length']]);
    expect(json.usage).toEqual({ prompt_tokens: 10, total_tokens: 15, completion_tokens: 5, prompt_tokens_details: null });
  });
});
