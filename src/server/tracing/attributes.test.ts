import { describe, expect, it } from 'vitest';
import type { RequestOutcome } from '../../data-plane/context.js';
import { dialectFor } from '../../data-plane/dialects/index.js';
import { errorType, serverAddress, spanAttributes, spanName } from './attributes.js';

const outcome = (o: Partial<RequestOutcome>): RequestOutcome => ({
  requestId: 'req_0miw3k2r19f3a1c2b',
  endpoint: 'chat',
  method: 'POST',
  path: '/v1/chat/completions',
  status: 200,
  durationMs: 1,
  ttfbMs: 1,
  stream: false,
  keyId: 'k',
  model: 'm',
  usage: undefined,
  usageEstimated: false,
  result: 'complete',
  caller: undefined,
  requestedModel: undefined,
  error: undefined,
  errorMessage: undefined,
  limit: undefined,
  cause: undefined,
  backend: undefined,
  route: undefined,
  session: undefined,
  queued: undefined,
  effects: [],
  headers: {},
  peer: undefined,
  bodies: undefined,
  ...o,
});

describe('span names and error types', () => {
  it('names GenAI operations by operation and model, the rest by method and route', () => {
    expect(spanName(outcome({}))).toBe('chat m');
    expect(spanName(outcome({ endpoint: 'completions' }))).toBe('text_completion m');
    expect(spanName(outcome({ endpoint: 'embeddings', model: undefined }))).toBe('embeddings');
    expect(spanName(outcome({ endpoint: 'models', method: 'GET', path: '/v1/models', model: undefined }))).toBe('GET /v1/models');
    expect(spanName(outcome({ endpoint: 'models', method: 'GET', path: '/v1/models/GLM-5.1', model: undefined }))).toBe('GET /v1/models/{model}');
    expect(spanName(outcome({ endpoint: 'other', path: '/v1/rerank', model: undefined }))).toBe('POST');
  });
  it('gives every span its path, request id and result; a route only for the endpoints the gateway knows', () => {
    const none = { responseModel: undefined, maxTokens: undefined };
    const chat = spanAttributes(outcome({ path: '/v1/chat%2Fcompletions' }), none, undefined);
    expect([chat['url.path'], chat['http.route'], chat['worv_proxy.request_id'], chat['worv_proxy.result']]).toEqual([
      '/v1/chat%2Fcompletions',
      '/v1/chat/completions',
      'req_0miw3k2r19f3a1c2b',
      'complete',
    ]);
    const rerank = spanAttributes(outcome({ endpoint: 'other', path: '/v1/rerank', result: 'aborted' }), none, undefined);
    expect([rerank['url.path'], rerank['http.route'], rerank['worv_proxy.result']]).toEqual(['/v1/rerank', undefined, 'aborted']);
    expect(spanAttributes(outcome({ endpoint: 'models', method: 'GET', path: '/v1/models/x' }), none, undefined)['http.route']).toBe('/v1/models/{model}');
    // The list under a percent-escaped path is still the list.
    expect(spanAttributes(outcome({ endpoint: 'models', method: 'GET', path: '/v1/%6Dodels' }), none, undefined)['http.route']).toBe('/v1/models');
    expect(spanAttributes(outcome({ endpoint: 'models', method: 'GET', path: '/v1/models%2FGLM-5.1' }), none, undefined)['http.route']).toBe('/v1/models/{model}');
    expect(spanAttributes(outcome({ endpoint: 'other', path: `/v1/${'a'.repeat(2000)}` }), none, undefined)['url.path']).toHaveLength(512);
  });
  it('sets error.type for the gateway failures and 5xx only', () => {
    expect(errorType(outcome({ status: 429, result: 'rejected', error: 'rate_limited' }))).toBeUndefined();
    expect(errorType(outcome({ status: 500 }))).toBe('500');
    expect(errorType(outcome({ status: 200, result: 'upstream-error', error: 'upstream_error' }))).toBe('upstream_error');
    expect(errorType(outcome({ status: 503, result: 'upstream-error', error: 'upstream_unreachable' }))).toBe('upstream_unreachable');
  });
  it('gives a request whose client left before any status no status code (its 499 is for logs and metrics)', () => {
    const left = spanAttributes(outcome({ status: 499, result: 'aborted', ttfbMs: undefined }), { responseModel: undefined, maxTokens: undefined }, undefined);
    expect(left['http.response.status_code']).toBeUndefined();
    const answered = spanAttributes(outcome({ status: 200, result: 'aborted' }), { responseModel: undefined, maxTokens: undefined }, undefined);
    expect(answered['http.response.status_code']).toBe(200);
  });
  it('reads server.address and server.port from a replica origin', () => {
    expect(serverAddress('http://10.0.0.5:8000')).toEqual({ address: '10.0.0.5', port: 8000 });
    expect(serverAddress('https://gpu.example')).toEqual({ address: 'gpu.example', port: 443 });
    expect(serverAddress('http://[::1]:8001')).toEqual({ address: '::1', port: 8001 });
  });
});

describe('the answering model of each wire format', () => {
  it('is read from bodies and from the usage-carrying stream events', () => {
    expect(dialectFor('chat')?.responseModel({ model: 'a', choices: [] })).toBe('a');
    expect(dialectFor('completions')?.responseModel({ model: 'b' })).toBe('b');
    expect(dialectFor('responses')?.responseModel({ type: 'response.completed', response: { model: 'c' } })).toBe('c');
    expect(dialectFor('responses')?.responseModel({ model: 'c2', output: [] })).toBe('c2');
    expect(dialectFor('messages')?.responseModel({ type: 'message_start', message: { model: 'd' } })).toBe('d');
    expect(dialectFor('messages')?.responseModel({ type: 'message_delta', usage: { output_tokens: 1 } })).toBeUndefined();
  });
});
