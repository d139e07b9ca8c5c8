import { describe, expect, it } from 'vitest';
import {
  anthropicPromptText, chatPromptText, completionPromptText, contentText, countTokens, responsesPromptText, tokenIds, tokenStrings,
} from './tokens.js';

describe('countTokens', () => {
  it('is ceil(length / 4) + 3', () => {
    expect(countTokens('')).toBe(3);
    expect(countTokens('a')).toBe(4);
    expect(countTokens('abcd')).toBe(4);
    expect(countTokens('abcde')).toBe(5);
    expect(countTokens('你好')).toBe(4);
  });
});

describe('prompt text', () => {
  it('chat: tools as JSON first (where templates render them), then message contents one per line, text parts joined, tool-call arguments', () => {
    const tools = [{ type: 'function', function: { name: 'f' } }];
    const body = {
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'image_url', image_url: { url: 'x' } }, { type: 'text', text: 'b' }] },
        { role: 'assistant', content: null, tool_calls: [{ function: { name: 'f', arguments: '{}' } }] },
      ],
      tools,
    };
    expect(chatPromptText(body)).toBe(`${JSON.stringify(tools)}\nsys\nab\n\n{}`);
  });

  it('anthropic: system first, blocks (text, thinking, tool_use input, tool_result content)', () => {
    const body = {
      system: [{ type: 'text', text: 'S' }],
      messages: [
        { role: 'user', content: 'u' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: 'x' }, { type: 'tool_use', id: '1', name: 'f', input: { a: 1 } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: '1', content: [{ type: 'text', text: 'r' }] }] },
      ],
    };
    expect(anthropicPromptText(body)).toBe('S\nu\nt{"a":1}\nr');
    expect(anthropicPromptText({ ...body, tools: [{ name: 'f' }] })).toBe('S\n[{"name":"f"}]\nu\nt{"a":1}\nr');
    expect(contentText(42)).toBe('');
  });

  it('responses: instructions then input string or items', () => {
    expect(responsesPromptText({ input: 'hi' })).toBe('hi');
    expect(responsesPromptText({ instructions: 'I', input: [{ role: 'user', content: [{ type: 'input_text', text: 'x' }] }] })).toBe('I\nx');
  });

  it('completions: string or list of strings', () => {
    expect(completionPromptText('p')).toBe('p');
    expect(completionPromptText(['a', 'b'])).toBe('a\nb');
    expect(completionPromptText(5)).toBe('');
  });
});

describe('token ids', () => {
  it('has countTokens(text) entries, deterministic', () => {
    const text = 'hello world, again';
    expect(tokenIds(text)).toHaveLength(countTokens(text));
    expect(tokenIds(text)).toEqual(tokenIds(text));
    expect(tokenStrings(text)).toHaveLength(countTokens(text));
    expect(tokenStrings(text).slice(3).join('')).toBe(text);
  });
});
