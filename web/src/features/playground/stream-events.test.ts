import { describe, expect, it } from 'vitest';
import { readStreamEvent } from './stream-events';

const msg = (data: unknown, event = 'message') => ({ event, data: typeof data === 'string' ? data : JSON.stringify(data) });

describe('readStreamEvent, OpenAI chat', () => {
  it('separates answer and reasoning (reasoning or reasoning_content)', () => {
    expect(readStreamEvent('openai', msg({ choices: [{ index: 0, delta: { content: 'Hel' } }] }))).toEqual({ answer: 'Hel' });
    expect(readStreamEvent('openai', msg({ choices: [{ delta: { reasoning: 'think' } }] }))).toEqual({ reasoning: 'think' });
    expect(readStreamEvent('openai', msg({ choices: [{ delta: { reasoning_content: 'hmm' } }] }))).toEqual({ reasoning: 'hmm' });
    expect(readStreamEvent('openai', msg({ choices: [{ delta: { role: 'assistant', content: '' } }] }))).toEqual({});
  });

  it('reads usage, the end marker and in-stream errors', () => {
    expect(readStreamEvent('openai', msg({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 34 } }))).toEqual({ promptTokens: 12, completionTokens: 34 });
    expect(readStreamEvent('openai', msg('[DONE]'))).toEqual({ done: true });
    expect(readStreamEvent('openai', msg({ error: { message: 'Backend timeout' } }))).toEqual({ error: 'Backend timeout' });
    expect(readStreamEvent('openai', msg('not json'))).toEqual({});
  });
});

describe('readStreamEvent, Anthropic messages', () => {
  it('reads text and thinking deltas', () => {
    expect(readStreamEvent('anthropic', msg({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hi' } }, 'content_block_delta'))).toEqual({ answer: 'Hi' });
    expect(readStreamEvent('anthropic', msg({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me' } }, 'content_block_delta'))).toEqual({ reasoning: 'Let me' });
    expect(readStreamEvent('anthropic', msg({ type: 'content_block_delta', delta: { type: 'input_json_delta', partial_json: '{' } }, 'content_block_delta'))).toEqual({});
  });

  it('reads usage from message_start and message_delta, the stop and errors', () => {
    expect(readStreamEvent('anthropic', msg({ type: 'message_start', message: { usage: { input_tokens: 9, output_tokens: 1 } } }, 'message_start'))).toEqual({ promptTokens: 9 });
    expect(readStreamEvent('anthropic', msg({ type: 'message_delta', usage: { output_tokens: 40 } }, 'message_delta'))).toEqual({ completionTokens: 40 });
    expect(readStreamEvent('anthropic', msg({ type: 'message_stop' }, 'message_stop'))).toEqual({ done: true });
    expect(readStreamEvent('anthropic', msg({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'error'))).toEqual({ error: 'Overloaded' });
    expect(readStreamEvent('anthropic', msg({ type: 'ping' }, 'ping'))).toEqual({});
  });
});
