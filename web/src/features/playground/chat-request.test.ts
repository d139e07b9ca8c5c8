import { describe, expect, it } from 'vitest';
import { buildChatRequest, modelForVariant, type ChatRequestInput } from './chat-request';

const base: ChatRequestInput = {
  dialect: 'openai',
  variant: 'normal',
  model: 'DeepSeek-V4-Pro',
  system: '',
  turns: [{ role: 'user', content: 'hi' }],
  maxTokens: 256,
};

describe('buildChatRequest', () => {
  it('OpenAI chat: streams with usage, Think Max as reasoning_effort', () => {
    const normal = buildChatRequest(base, 'sk-1');
    expect(normal.path).toBe('/v1/chat/completions');
    expect(normal.headers.authorization).toBe('Bearer sk-1');
    expect(normal.body).toEqual({
      model: 'DeepSeek-V4-Pro',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 256,
    });
    const max = buildChatRequest({ ...base, variant: 'max', system: ' Be brief. ' }, 'sk-1');
    expect(max.body.reasoning_effort).toBe('max');
    expect(max.body.model).toBe('DeepSeek-V4-Pro');
    expect(max.body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
    ]);
  });

  it('Anthropic messages: system as a field, Think Max as output_config.effort', () => {
    const req = buildChatRequest({ ...base, dialect: 'anthropic', variant: 'max', system: 'Be brief.' }, 'sk-2');
    expect(req.path).toBe('/v1/messages');
    expect(req.headers['anthropic-version']).toBe('2023-06-01');
    expect(req.body).toEqual({
      model: 'DeepSeek-V4-Pro',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      system: 'Be brief.',
      output_config: { effort: 'max' },
    });
  });

  it('non-thinking is the model-name suffix, added once', () => {
    expect(buildChatRequest({ ...base, variant: 'nonthinking' }, 'k').body.model).toBe('DeepSeek-V4-Pro-nonthinking');
    expect(buildChatRequest({ ...base, dialect: 'anthropic', variant: 'nonthinking' }, 'k').body).not.toHaveProperty('output_config');
    expect(modelForVariant('glm-5.1-fp8-nonthink', 'nonthinking')).toBe('glm-5.1-fp8-nonthink');
    expect(modelForVariant('glm-5.1-fp8', 'max')).toBe('glm-5.1-fp8');
  });
});
