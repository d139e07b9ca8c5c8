import { describe, expect, it } from 'vitest';
import { textPlan } from '../../../test/helpers/simulator-plans.js';
import { completionJson, completionStreamSteps } from './completions.js';

const plan = textPlan({
  reasoning: '', reasoningTokens: 0, completionTokens: 2, finish: 'length',
  pieces: [{ kind: 'content', text: 'Hi' }, { kind: 'content', text: ' there' }],
});
const r = { id: 'cmpl-1', created: 5, model: 'm', plan };

describe('completions wire', () => {
  it('non-stream body', () => {
    expect(completionJson(r)).toBe('{"id":"cmpl-1","object":"text_completion","created":5,"model":"m","choices":[{"index":0,"text":"Hi there","logprobs":null,"finish_reason":"length","stop_reason":null,"prompt_logprobs":null}],"usage":{"prompt_tokens":10,"total_tokens":12,"completion_tokens":2}}');
  });

  it('stream: no role chunk, finish on the last token, usage chunk, [DONE]', () => {
    const H = '{"id":"cmpl-1","object":"text_completion","created":5,"model":"m","choices":[';
    expect([...completionStreamSteps(r, { include: true, continuous: false })].flat()).toEqual([
      `data: ${H}{"index":0,"text":"Hi","logprobs":null,"finish_reason":null,"stop_reason":null}]}\n\n`,
      `data: ${H}{"index":0,"text":" there","logprobs":null,"finish_reason":"length","stop_reason":null}]}\n\n`,
      `data: ${H}],"usage":{"prompt_tokens":10,"total_tokens":12,"completion_tokens":2}}\n\n`,
      'data: [DONE]\n\n',
    ]);
  });

  it('continuous usage on every chunk', () => {
    const frames = [...completionStreamSteps(r, { include: true, continuous: true })].flat();
    expect(frames[0]).toContain('],"usage":{"prompt_tokens":10,"total_tokens":11,"completion_tokens":1}}');
  });

  it('n = 2: both choices in the body, a chunk per choice each step, usage over both', () => {
    const other = textPlan({ content: 'Yo', reasoning: '', reasoningTokens: 0, completionTokens: 1, finish: 'stop', pieces: [{ kind: 'content', text: 'Yo' }] });
    const two = { ...r, others: [other] };
    expect(completionJson(two)).toBe('{"id":"cmpl-1","object":"text_completion","created":5,"model":"m","choices":[{"index":0,"text":"Hi there","logprobs":null,"finish_reason":"length","stop_reason":null,"prompt_logprobs":null},{"index":1,"text":"Yo","logprobs":null,"finish_reason":"stop","stop_reason":null,"prompt_logprobs":null}],"usage":{"prompt_tokens":10,"total_tokens":13,"completion_tokens":3}}');
    const H = '{"id":"cmpl-1","object":"text_completion","created":5,"model":"m","choices":[';
    const steps = [...completionStreamSteps(two, { include: true, continuous: false })];
    expect(steps.map((s) => s.length)).toEqual([2, 3]);
    expect(steps.flat()).toEqual([
      `data: ${H}{"index":0,"text":"Hi","logprobs":null,"finish_reason":null,"stop_reason":null}]}\n\n`,
      `data: ${H}{"index":1,"text":"Yo","logprobs":null,"finish_reason":"stop","stop_reason":null}]}\n\n`,
      `data: ${H}{"index":0,"text":" there","logprobs":null,"finish_reason":"length","stop_reason":null}]}\n\n`,
      `data: ${H}],"usage":{"prompt_tokens":10,"total_tokens":13,"completion_tokens":3}}\n\n`,
      'data: [DONE]\n\n',
    ]);
  });
});
