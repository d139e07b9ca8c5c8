import { describe, expect, it } from 'vitest';
import { proxyRequest } from '../../test/helpers/shaping.js';
import { factsOf } from './parse.js';
import { needsEstimate, tokenizeBody, withInputEstimate, type InputEstimator } from './input-estimate.js';

const USER = { role: 'user', content: 'hi' };

describe('needsEstimate (only capped requests pay the round trip)', () => {
  const rows: Array<[string, ReturnType<typeof proxyRequest>, boolean]> = [
    ['chat with max_tokens', proxyRequest('chat', { max_tokens: 10, messages: [USER] }), true],
    ['chat with max_completion_tokens', proxyRequest('chat', { max_completion_tokens: 10, messages: [USER] }), true],
    ['chat without a budget field', proxyRequest('chat', { messages: [USER] }), false],
    ['null budget is missing', proxyRequest('chat', { max_tokens: null, messages: [USER] }), false],
    ['responses with max_output_tokens', proxyRequest('responses', { max_output_tokens: 5, input: 'x' }), true],
    ['embeddings', proxyRequest('embeddings', { max_tokens: 5 }), false],
  ];
  for (const [name, req, want] of rows) it(name, () => expect(needsEstimate(req)).toBe(want));
});

describe('tokenizeBody', () => {
  it('chat: the client messages, tools and chat_template_kwargs, no model (it may be an alias)', () => {
    const tools = [{ type: 'function', function: { name: 'f' } }];
    const body = tokenizeBody(proxyRequest('chat', { model: 'claude-x', max_tokens: 5, messages: [USER], tools, chat_template_kwargs: { thinking: false } }));
    expect(body).toEqual({ messages: [USER], add_generation_prompt: true, chat_template_kwargs: { thinking: false }, tools });
  });
  it('messages: system and blocks as text chat messages, Anthropic tools as functions', () => {
    const body = tokenizeBody(
      proxyRequest('messages', {
        model: 'claude-x',
        max_tokens: 5,
        system: [{ type: 'text', text: 'S' }],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'tool_result', tool_use_id: 't', content: 'r' }] },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: { q: 1 } }] },
        ],
        tools: [{ name: 'f', description: 'd', input_schema: { type: 'object' } }],
      }),
    );
    expect(body).toEqual({
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'a\nr' },
        { role: 'assistant', content: '{"name":"f","input":{"q":1}}' },
      ],
      add_generation_prompt: true,
      tools: [{ type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object' } } }],
    });
  });
  it('completions: a string prompt; token ids fall back to the heuristic', () => {
    expect(tokenizeBody(proxyRequest('completions', { prompt: 'abc', max_tokens: 1 }))).toEqual({ prompt: 'abc' });
    expect(tokenizeBody(proxyRequest('completions', { prompt: [1, 2], max_tokens: 1 }))).toBeUndefined();
  });
  it('responses: instructions and input items as text chat messages, function tools as chat functions', () => {
    expect(tokenizeBody(proxyRequest('responses', { input: 'x', max_output_tokens: 1 }))).toEqual({ messages: [{ role: 'user', content: 'x' }], add_generation_prompt: true });
    const body = tokenizeBody(
      proxyRequest('responses', {
        model: 'gpt-5-codex',
        max_output_tokens: 5,
        instructions: 'I',
        input: [
          { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'D' }] },
          { role: 'user', content: [{ type: 'input_text', text: 'a' }, { type: 'input_image', image_url: 'data:…' }, { type: 'input_text', text: 'b' }] },
          { type: 'reasoning', summary: [] },
          { type: 'function_call', call_id: 'c', name: 'f', arguments: '{"q":1}' },
          { type: 'function_call_output', call_id: 'c', output: 'r' },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'o' }] },
        ],
        tools: [{ type: 'function', name: 'f', description: 'd', parameters: { type: 'object' } }, { type: 'web_search' }],
      }),
    );
    expect(body).toEqual({
      messages: [
        { role: 'system', content: 'I' },
        { role: 'system', content: 'D' },
        { role: 'user', content: 'a\nb' },
        { role: 'assistant', content: '{"name":"f","arguments":"{\\"q\\":1}"}' },
        { role: 'user', content: 'r' },
        { role: 'assistant', content: 'o' },
      ],
      add_generation_prompt: true,
      tools: [{ type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object' } } }],
    });
  });
  it('responses that continue a stored conversation, or hold an item of unknown type, fall back to the heuristic', () => {
    expect(tokenizeBody(proxyRequest('responses', { input: 'x', max_output_tokens: 1, previous_response_id: 'resp_1' }))).toBeUndefined();
    expect(tokenizeBody(proxyRequest('responses', { input: [{ type: 'item_reference', id: 'msg_1' }], max_output_tokens: 1 }))).toBeUndefined();
    expect(tokenizeBody(proxyRequest('responses', { input: 7, max_output_tokens: 1 }))).toBeUndefined();
  });
});

describe('withInputEstimate', () => {
  const fixed = (n: number | undefined): InputEstimator => ({ estimate: () => Promise.resolve(n) });

  it('puts the count in facts and keeps the body object', async () => {
    const req = proxyRequest('chat', { max_tokens: 10, messages: [USER] });
    const out = await withInputEstimate(req, fixed(1234));
    expect(out.facts.estimatedInputTokens).toBe(1234);
    expect(out.body).toBe(req.body);
    expect(out.facts.payloadBytes).toBe(req.facts.payloadBytes);
  });

  it('no count (backend without /tokenize, slow, failed): the same request, heuristic applies', async () => {
    const req = proxyRequest('chat', { max_tokens: 10, messages: [USER] });
    expect(await withInputEstimate(req, fixed(undefined))).toBe(req);
  });

  it('without a budget field the estimator is not even asked', async () => {
    let asked = false;
    const req = proxyRequest('chat', { messages: [USER] });
    await withInputEstimate(req, { estimate: () => ((asked = true), Promise.resolve(1)) });
    expect(asked).toBe(false);
  });

  it('keeps parse’s lazy user-script getter lazy', async () => {
    const body = { max_tokens: 10, messages: [{ role: 'user', content: '你好' }] };
    const facts = factsOf('chat', body);
    const out = await withInputEstimate({ facts, body }, fixed(7));
    expect(out.facts.estimatedInputTokens).toBe(7);
    // Not scanned yet: the scan at the first read sees the text as it is then.
    body.messages[0]!.content = 'こんにちは、元気ですか';
    expect(out.facts.userScript).toBe('japanese');
    expect(out.facts.payloadBytes).toBe(facts.payloadBytes);
  });
});
