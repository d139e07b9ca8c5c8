import { describe, expect, it } from 'vitest';
import { GatewayError } from '../core/errors.js';
import type { ProxyRequest, Shaper, ShapingConfig } from './context.js';
import { factsOf } from './parse.js';
import { SHAPERS, effectHeaders, shape } from './pipeline.js';
import { requestStreamUsage } from './transforms/request-stream-usage.js';

const cfg = {} as ShapingConfig;
const req = (): ProxyRequest => {
  const body = { model: 'm', messages: [] };
  return { facts: factsOf('chat', body), body };
};

describe('SHAPERS', () => {
  it('ends with request-stream-usage (it only adds stream_options, which no other shaper reads)', () => {
    expect(SHAPERS.at(-1)).toBe(requestStreamUsage);
  });
});

describe('shape', () => {
  it('returns the same request and no effects when nothing applies', () => {
    const r = req();
    const out = shape(r, cfg, [(x) => ({ req: x, effects: [] })]);
    expect(out.req).toBe(r);
    expect(out.effects).toEqual([]);
  });

  it('folds in order and collects effects', () => {
    const order: string[] = [];
    const a: Shaper = (x) => {
      order.push('a');
      return { req: { ...x, body: { ...x.body, a: 1 } }, effects: [{ kind: 'model-aliased', from: 'x', to: 'y' }] };
    };
    const b: Shaper = (x) => {
      order.push(`b saw a=${JSON.stringify(x.body.a)}`);
      return { req: x, effects: [{ kind: 'max-tokens-capped', field: 'max_tokens', requested: 9000, sent: 100 }] };
    };
    const out = shape(req(), cfg, [a, b]);
    expect(order).toEqual(['a', 'b saw a=1']);
    expect(out.effects.map((e) => e.kind)).toEqual(['model-aliased', 'max-tokens-capped']);
  });

  it("stops at a 'rejected' effect with 400 invalid_request and its message", () => {
    const never: Shaper = () => {
      throw new Error('must not run');
    };
    const reject: Shaper = (x) => ({ req: x, effects: [{ kind: 'rejected', message: 'input too long' }] });
    let err: unknown;
    try {
      shape(req(), cfg, [reject, never]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).status).toBe(400);
    expect((err as GatewayError).message).toBe('input too long');
  });
});

describe('effectHeaders', () => {
  it('announces capping as x-worv-max-tokens-capped: <requested>-><sent>', () => {
    expect(effectHeaders([{ kind: 'max-tokens-capped', field: 'max_tokens', requested: 300000, sent: 16384 }])).toEqual([
      'x-worv-max-tokens-capped',
      '300000->16384',
    ]);
    expect(effectHeaders([{ kind: 'stream-usage-requested' }])).toEqual([]);
  });
});
