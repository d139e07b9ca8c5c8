import { describe, expect, it } from 'vitest';
import { asAnthropicError } from './anthropic-messages.js';

const re = (status: number, body: unknown): unknown => {
  const out = asAnthropicError(status, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
  return out === undefined ? undefined : JSON.parse(out.toString('utf8'));
};

describe('asAnthropicError', () => {
  it("re-envelopes OpenAI's and FastAPI's error bodies, the type from the status", () => {
    expect(re(400, { error: { message: 'max_tokens: Field required', type: 'Bad Request', param: 'max_tokens', code: 400 } })).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
    });
    expect(re(404, { detail: 'Not Found' })).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'Not Found' } });
    expect(re(422, { detail: [{ loc: ['body'], msg: 'x' }] })).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: '[{"loc":["body"],"msg":"x"}]' } });
    expect(re(503, { error: { message: 'busy' } })).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'busy' } });
    expect(re(502, { error: 'Bad Gateway' })).toEqual({ type: 'error', error: { type: 'api_error', message: 'Bad Gateway' } });
    expect(re(502, { error: { code: 7 } })).toEqual({ type: 'error', error: { type: 'api_error', message: '{"code":7}' } });
  });

  it("gives vLLM's own Anthropic envelope Anthropic's type for the status, the message kept", () => {
    expect(re(429, { type: 'error', error: { type: 'Too Many Requests', message: 'slow down' } })).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
    expect(re(400, { type: 'error', error: { type: 'BadRequestError', message: 'bad' } })).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'bad' } });
    expect(re(503, { type: 'error', error: { message: 'busy' } })).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'busy' } });
    expect(re(500, { type: 'error', error: { type: 'Internal Server Error', code: 1 } })).toEqual({ type: 'error', error: { type: 'api_error', message: '{"type":"Internal Server Error","code":1}' } });
    expect(re(502, { type: 'error', error: 'Bad Gateway' })).toEqual({ type: 'error', error: { type: 'api_error', message: 'Bad Gateway' } });
  });

  it("leaves Anthropic's own envelope with one of its types, other JSON and non-JSON alone", () => {
    expect(re(500, { type: 'error', error: { type: 'api_error', message: 'x' } })).toBeUndefined();
    expect(re(529, { type: 'error', error: { type: 'overloaded_error', message: 'x' } })).toBeUndefined();

    expect(re(400, { message: 'no envelope' })).toBeUndefined();
    expect(re(400, 'not json')).toBeUndefined();
    expect(re(400, '[1]')).toBeUndefined();
  });
});
