import { describe, expect, it } from 'vitest';
import { GatewayError, STATUS_BY_KIND, type GatewayErrorKind } from '../core/errors.js';
import { renderError, surfaceFor } from './render-error.js';

const KINDS = Object.keys(STATUS_BY_KIND) as GatewayErrorKind[];

describe('renderError', () => {
  for (const kind of KINDS) {
    it(`${kind}: JSON in both envelopes with the kind's status`, () => {
      const err = new GatewayError(kind, `message for ${kind}`);
      const openai = renderError(err, 'openai');
      const anthropic = renderError(err, 'anthropic');
      for (const r of [openai, anthropic]) {
        expect(r.status).toBe(STATUS_BY_KIND[kind]);
        expect(r.headers['content-type']).toBe('application/json');
        expect(r.headers['content-length']).toBe(String(r.body.length));
      }
      const o = JSON.parse(openai.body.toString()) as { error: { message: string; type: string; code: number } };
      expect(o.error.message).toBe(`message for ${kind}`);
      expect(o.error.code).toBe(STATUS_BY_KIND[kind]);
      expect(typeof o.error.type).toBe('string');
      const a = JSON.parse(anthropic.body.toString()) as { type: string; error: { type: string; message: string } };
      expect(a.type).toBe('error');
      expect(a.error.message).toBe(`message for ${kind}`);
    });
  }

  it('uses the exact OpenAI and Anthropic error shapes for 401', () => {
    const err = new GatewayError('unauthorized', 'Unauthorized');
    expect(renderError(err, 'openai').body.toString()).toBe('{"error":{"message":"Unauthorized","type":"authentication_error","code":401}}');
    expect(renderError(err, 'anthropic').body.toString()).toBe('{"type":"error","error":{"type":"authentication_error","message":"Unauthorized"}}');
  });

  it('tells SDKs not to retry timeouts and failures after the request reached the backend', () => {
    expect(renderError(new GatewayError('upstream_timeout', 'Backend timeout'), 'openai').headers['x-should-retry']).toBe('false');
    expect(renderError(new GatewayError('upstream_error', 'Backend request failed'), 'openai').headers['x-should-retry']).toBe('false');
    expect(renderError(new GatewayError('upstream_unreachable', 'Backend unavailable'), 'openai').headers['x-should-retry']).toBeUndefined();
  });

  it('picks the Anthropic envelope for /v1/messages and below only', () => {
    expect(surfaceFor('/v1/messages')).toBe('anthropic');
    expect(surfaceFor('/v1/messages/count_tokens')).toBe('anthropic');
    expect(surfaceFor('/v1/messages?beta=true')).toBe('anthropic');
    expect(surfaceFor('/v1/messagesx')).toBe('openai');
    expect(surfaceFor('/v1/chat/completions')).toBe('openai');
  });
});
