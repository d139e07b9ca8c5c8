import { describe, expect, it } from 'vitest';
import { GatewayError } from '../core/errors.js';
import { checkDeclaredLength, guard, hasOddSegment } from './guard.js';

describe('hasOddSegment (path-traversal guard)', () => {
  const rows: ReadonlyArray<[string, boolean]> = [
    ['/v1/chat/completions', false],
    ['/v1/../api', true],
    ['/v1/a/..', true],
    ['/v1/%2e%2e/x', true],
    ['/v1/%2E%2e/x', true],
    ['/v1/.%2E/x', true],
    ['/v1/a%2f..%2fb', true],
    ['/v1/a%252e%252e/b', false], // decodes to the segment "a..", not ".."
    ['/v1/a/%252e%252e/b', true], // double-encoded "..": refused too
    ['/v1/a\\..\\b', true],
    ['/v1/a..b/c', false],
    ['/v1/./models', true],
    ['/v1/%2e/chat/completions', true],
    ['/v1//chat/completions', true],
    ['/v1/chat%2F%2Fcompletions', true], // vLLM decodes once: an empty segment there
    ['/v1/chat\\\\completions', true],
    ['/v1/models/', false], // a trailing slash: the engine redirects it
    ['/v1/...', false],
    ['/v1/%zz', true], // malformed escapes are not forwarded
  ];
  for (const [path, expected] of rows) {
    it(`${path} → ${expected ? 'refused' : 'allowed'}`, () => {
      expect(hasOddSegment(path)).toBe(expected);
    });
  }
});

describe('guard', () => {
  it('classifies endpoints by method and exact path, ignoring the query', () => {
    expect(guard('POST', '/v1/chat/completions?x=1')).toEqual({ path: '/v1/chat/completions', target: '/v1/chat/completions?x=1', endpoint: 'chat', surface: 'openai' });
    expect(guard('POST', '/v1/messages').endpoint).toBe('messages');
    expect(guard('POST', '/v1/messages/count_tokens')).toEqual({ path: '/v1/messages/count_tokens', target: '/v1/messages/count_tokens', endpoint: 'count_tokens', surface: 'anthropic' });
    expect(guard('GET', '/v1/models').endpoint).toBe('models');
    expect(guard('GET', '/v1/chat/completions').endpoint).toBe('other');
    expect(guard('GET', '/v1/responses/resp_1').endpoint).toBe('other');
    expect(guard('POST', '/v1/messagesX').surface).toBe('openai');
  });

  it('classifies the path as the backend routes it: percent-escapes decoded once', () => {
    expect(guard('POST', '/v1/chat%2Fcompletions')).toEqual({ path: '/v1/chat%2Fcompletions', target: '/v1/chat%2Fcompletions', endpoint: 'chat', surface: 'openai' });
    expect(guard('POST', '/v1/%63hat/completions?x=%2F').endpoint).toBe('chat');
    expect(guard('POST', '/v1/m%65ssages')).toEqual({ path: '/v1/m%65ssages', target: '/v1/m%65ssages', endpoint: 'messages', surface: 'anthropic' });
    expect(guard('GET', '/v1/model%73').endpoint).toBe('models');
    // Decoded once, as the backend does: a double-encoded name is not the endpoint there either.
    expect(guard('POST', '/v1/%2563hat/completions').endpoint).toBe('other');
  });

  it('an endpoint with a trailing slash is that endpoint, forwarded without the slash: the engine would redirect it past the gateway', () => {
    expect(guard('POST', '/v1/chat/completions/')).toEqual({ path: '/v1/chat/completions/', target: '/v1/chat/completions', endpoint: 'chat', surface: 'openai' });
    expect(guard('POST', '/v1/messages/?beta=true')).toEqual({ path: '/v1/messages/', target: '/v1/messages?beta=true', endpoint: 'messages', surface: 'anthropic' });
    expect(guard('POST', '/v1/embeddings%2F')).toMatchObject({ target: '/v1/embeddings', endpoint: 'embeddings' });
    expect(guard('GET', '/v1/models/?limit=2')).toMatchObject({ target: '/v1/models?limit=2', endpoint: 'models' });
    // Only one slash, and only on a recognised endpoint: anything else goes as received.
    expect(guard('POST', '/v1/rerank/')).toMatchObject({ target: '/v1/rerank/', endpoint: 'other' });
    expect(() => guard('POST', '/v1/chat/completions//')).toThrow(new GatewayError('invalid_request', 'Invalid path'));
  });

  it('throws 400 Invalid path', () => {
    expect(() => guard('GET', '/v1/%2e%2e/x')).toThrow(new GatewayError('invalid_request', 'Invalid path'));
  });

  it('takes a model id that is a path whole on GET /v1/models/{id} (answered by the gateway, never forwarded)', () => {
    expect(guard('GET', '/v1/models//models/Qwen2.5-7B-Instruct').modelId).toBe('/models/Qwen2.5-7B-Instruct');
    expect(guard('GET', '/v1/models/%2Fmodels%2FQwen2.5-7B-Instruct').modelId).toBe('/models/Qwen2.5-7B-Instruct');
    expect(guard('GET', '/v1/models/.%2FQwen2.5-7B-Instruct').modelId).toBe('./Qwen2.5-7B-Instruct');
    expect(() => guard('GET', '/v1/models/../keys')).toThrow(new GatewayError('invalid_request', 'Invalid path'));
    expect(() => guard('POST', '/v1/models//models/x')).toThrow(new GatewayError('invalid_request', 'Invalid path'));
  });

  it('refuses a fragment anywhere in the target: the engine drops it and would route what the gateway does not recognise', () => {
    for (const url of ['/v1/chat/completions#x', '/v1/messages?beta=true#', '/v1/embeddings#/../x']) {
      expect(() => guard('POST', url), url).toThrow(new GatewayError('invalid_request', 'Invalid path'));
    }
  });

  it('refuses a declared body over the limit with 413', () => {
    expect(() => checkDeclaredLength({ 'content-length': '2049' }, 2048)).toThrow(GatewayError);
    expect(() => checkDeclaredLength({ 'content-length': '2048' }, 2048)).not.toThrow();
    expect(() => checkDeclaredLength({}, 2048)).not.toThrow();
  });
});
