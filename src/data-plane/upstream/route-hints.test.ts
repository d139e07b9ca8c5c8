import { describe, expect, it } from 'vitest';
import { PREFIX_CHARS, prefixOf, routeHints, sessionOf } from './route-hints.js';

describe('sessionOf', () => {
  it('takes the first identity in order: Claude Code, Codex headers, prompt_cache_key, user, metadata.user_id', () => {
    const body = { prompt_cache_key: 'pck', user: 'u', metadata: { user_id: 'mu' } };
    expect(sessionOf({ 'x-claude-code-session-id': 'cc', session_id: 's' }, body)).toBe('cc');
    expect(sessionOf({ session_id: 's', 'session-id': 's2' }, body)).toBe('s');
    expect(sessionOf({ 'session-id': 's2' }, body)).toBe('s2');
    expect(sessionOf({}, body)).toBe('pck');
    expect(sessionOf({}, { user: 'u', metadata: { user_id: 'mu' } })).toBe('u');
    expect(sessionOf({}, { metadata: { user_id: 'mu' } })).toBe('mu');
    expect(sessionOf({ 'x-claude-code-session-id': '' }, { user: 7 })).toBeUndefined();
  });
});

describe('prefixOf', () => {
  const system = 'You are a coding agent. '.repeat(20);
  it('equal for the turns of one conversation (system prompt and first user message); different for another', () => {
    const a = prefixOf('chat', { messages: [{ role: 'system', content: system }, { role: 'user', content: 'one' }] });
    const b = prefixOf('chat', { messages: [{ role: 'system', content: system }, { role: 'user', content: 'one' }, { role: 'assistant', content: 'x' }] });
    const c = prefixOf('chat', { messages: [{ role: 'system', content: system }, { role: 'user', content: 'two' }] });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('a system prompt longer than PREFIX_CHARS does not crowd out the first message: it has characters of its own', () => {
    const long = 'z'.repeat(PREFIX_CHARS * 2);
    const chat = (sys: string, first: string) => prefixOf('chat', { messages: [{ role: 'system', content: sys }, { role: 'user', content: first }] });
    expect(chat(long, 'a')).not.toBe(chat(long, 'b'));
    // Past PREFIX_CHARS, neither part is read further.
    expect(chat(long, 'a')).toBe(chat(`${long}tail`, 'a'));
    expect(chat(long, `${'q'.repeat(PREFIX_CHARS)}a`)).toBe(chat(long, `${'q'.repeat(PREFIX_CHARS)}b`));
    const messages = (sys: string, first: string) => prefixOf('messages', { system: sys, messages: [{ role: 'user', content: first }] });
    expect(messages(long, 'a')).not.toBe(messages(long, 'b'));
    const tools = Array.from({ length: 2000 }, (_, i) => ({ type: 'function', function: { name: `tool_number_${i}` } }));
    expect(prefixOf('chat', { tools, messages: [{ role: 'user', content: 'a' }] })).not.toBe(prefixOf('chat', { tools, messages: [{ role: 'user', content: 'b' }] }));
  });

  it('messages: skips Claude Code\'s billing-header system block', () => {
    const sys = (v: string) => [{ type: 'text', text: `x-anthropic-billing-header: cc_version=${v};` }, { type: 'text', text: system }];
    const m = [{ role: 'user', content: 'hi' }];
    expect(prefixOf('messages', { system: sys('1'), messages: m })).toBe(prefixOf('messages', { system: sys('2'), messages: m }));
  });

  it('responses: instructions and input; completions: the prompt; nothing → undefined', () => {
    expect(prefixOf('responses', { instructions: 'I', input: 'x' })).not.toBe(prefixOf('responses', { instructions: 'I', input: 'y' }));
    expect(prefixOf('completions', { prompt: 'p' })).toBeTypeOf('number');
    expect(prefixOf('chat', { messages: [] })).toBeUndefined();
  });
});

describe('routeHints', () => {
  const choice = (): boolean => true;
  it('model, session, prefix and previous_response_id (Responses only)', () => {
    const h = routeHints('responses', { session_id: 's' }, { model: 'm', input: 'x', previous_response_id: 'resp_1' }, choice);
    expect(h).toMatchObject({ model: 'm', session: 's', previousResponseId: 'resp_1' });
    expect(routeHints('chat', {}, { model: 'm', messages: [], previous_response_id: 'resp_1' }, choice).previousResponseId).toBeUndefined();
  });
  it('the prompt is hashed only when there is no session (the session wins)', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hello' }] };
    expect(routeHints('chat', {}, body, choice).prefix).toBe(prefixOf('chat', body));
    expect(routeHints('chat', { 'x-claude-code-session-id': 'abc' }, body, choice)).toMatchObject({ session: 'abc', prefix: undefined });
  });
  it('the prompt is not hashed when one replica serves the model (routing has no choice to make)', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hello' }] };
    const asked: (string | undefined)[] = [];
    const h = routeHints('chat', {}, body, (model) => {
      asked.push(model);
      return false;
    });
    expect(h).toMatchObject({ model: 'm', session: undefined, prefix: undefined });
    expect(asked).toEqual(['m']);
  });
});
