import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../core/json.js';
import type { ShapingConfig } from './context.js';
import { parseRequest } from './parse.js';
import { shape } from './pipeline.js';
import { topLevelMembers } from '../core/json-bytes.js';
import { SPLICE_MIN_BYTES, serializeShapedBody } from './serialize-body.js';

const pad = (n: number): string => 'say "hi"\\n\n'.repeat(Math.ceil(n / 10)).slice(0, n);

/** A client body over the splice threshold, with escapes, nesting and odd spacing. */
function bigRaw(extra = ''): Buffer {
  return Buffer.from(
    `{ "model" : "GLM-5.1-FP8",\n "messages":[{"role":"user","content":${JSON.stringify(pad(SPLICE_MIN_BYTES))}},` +
      `{"role":"assistant","content":[{"type":"text","text":"a \\"quoted\\" } ] { ["}]}],` +
      `"max_tokens": 1000000 ,"big": 12345678901234567890, "k\\u00e9y": {"x": [1, 2, {"y": "}"}]}${extra} }`,
  );
}

/** The body as one buffer, however it is returned. */
const joined = (body: Buffer | readonly Buffer[]): Buffer => (Buffer.isBuffer(body) ? body : Buffer.concat(body));

describe('topLevelMembers', () => {
  it('finds each top-level member, skipping strings with escaped quotes and brackets', () => {
    const raw = bigRaw();
    const m = topLevelMembers(raw);
    expect([...(m?.keys() ?? [])]).toEqual(['model', 'messages', 'max_tokens', 'big', 'kéy']);
    const slice = (k: string): string => {
      const r = m?.get(k) as readonly [number, number];
      return raw.toString('utf8', r[0], r[1]);
    };
    expect(slice('max_tokens')).toBe('"max_tokens": 1000000');
    expect(slice('kéy')).toBe('"k\\u00e9y": {"x": [1, 2, {"y": "}"}]}');
  });
  it('gives up on duplicate keys and on anything but one object', () => {
    expect(topLevelMembers(Buffer.from('{"a":1,"a":2}'))).toBeUndefined();
    expect(topLevelMembers(Buffer.from('[1]'))).toBeUndefined();
    expect(topLevelMembers(Buffer.from(' { } '))?.size).toBe(0);
  });
});

describe('serializeShapedBody', () => {
  it('is JSON.stringify below the threshold', () => {
    const raw = Buffer.from('{"model":"m", "max_tokens": 9}');
    const original = JSON.parse(raw.toString()) as JsonObject;
    const shaped = { ...original, max_tokens: 5 };
    expect(joined(serializeShapedBody(raw, original, shaped)).toString()).toBe(JSON.stringify(shaped));
  });

  it('copies untouched members from the client bytes and serialises the replaced and added ones', () => {
    const raw = bigRaw();
    const original = JSON.parse(raw.toString()) as JsonObject;
    const { big: _dropped, ...rest } = original;
    const shaped: JsonObject = { ...rest, max_tokens: 16384, stream_options: { include_usage: true } };
    const parts = serializeShapedBody(raw, original, shaped);
    if (Buffer.isBuffer(parts)) throw new Error('expected a body in parts');
    const out = joined(parts).toString();
    expect(JSON.parse(out)).toEqual(shaped);
    // The untouched members are views of the client's bytes, not copies.
    const views = parts.filter((p) => p.buffer === raw.buffer);
    expect(views.length).toBeGreaterThan(0);
    expect(views.reduce((n, p) => n + p.length, 0)).toBeGreaterThan(SPLICE_MIN_BYTES);
    expect(out).toContain(',"max_tokens":16384,');
    expect(out.endsWith(',"stream_options":{"include_usage":true}}')).toBe(true);
    expect(out).toContain('"model" : "GLM-5.1-FP8"');
  });

  it('keeps the client digits of numbers JSON cannot represent exactly when nothing replaced them', () => {
    const raw = bigRaw();
    const original = JSON.parse(raw.toString()) as JsonObject;
    const out = joined(serializeShapedBody(raw, original, { ...original, max_tokens: 7 })).toString();
    expect(out).toContain('"big": 12345678901234567890');
  });

  it('falls back to JSON.stringify when the client repeated a key', () => {
    const raw = bigRaw(', "model": "other"');
    const original = JSON.parse(raw.toString()) as JsonObject;
    const shaped = { ...original, max_tokens: 1 };
    expect(joined(serializeShapedBody(raw, original, shaped)).toString()).toBe(JSON.stringify(shaped));
  });

  it('agrees with JSON.stringify for what the real shapers do to a large body', () => {
    const cfg: ShapingConfig = {
      aliasModel: 'GLM-5.1-FP8', aliasSources: ['claude-*'], aliasRewriteAll: false, profile: 'glm-5',
      maxContextTokens: 16_000_000, maxOutputTokens: 16_384, stripHan: true, hanSystemPrompt: 'No Han.', thinkMaxPrefix: 'Max.',
    };
    const raw = Buffer.from(JSON.stringify({
      model: 'claude-sonnet-4-6-nonthinking', stream: true, max_tokens: 1_000_000,
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: pad(SPLICE_MIN_BYTES) }],
    }));
    const parsed = parseRequest('chat', raw);
    const shaped = shape(parsed, cfg).req.body;
    expect(shaped).not.toBe(parsed.body);
    expect(JSON.parse(joined(serializeShapedBody(raw, parsed.body, shaped)).toString())).toEqual(JSON.parse(JSON.stringify(shaped)));
  });
});
