// Deeply nested request bodies: refused with 400 in the route's dialect before anything walks
// them (the payload measure, the user-script scan, serialisation), on every prompt-bearing field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/core/json.js';
import { startStack, type Stack } from '../helpers/harness.js';

/** `n` nested arrays around a string, as JSON text (about 2n bytes). */
function nested(n: number): string {
  return `${'['.repeat(n)}"x"${']'.repeat(n)}`;
}

const DEEP = 4100;
const JSON_HEADERS = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
const MESSAGE = (content: string): string => `[{"role":"user","content":${content}}]`;
const OPENAI_MSG = `Request body nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`;

/** [path, prompt field, raw body] for each field the payload measure walks. */
const CASES: ReadonlyArray<readonly [string, string, string]> = [
  ['/v1/chat/completions', 'messages', `{"model":"sim-model","max_tokens":16,"messages":${MESSAGE(nested(DEEP))}}`],
  ['/v1/chat/completions', 'tools', `{"model":"sim-model","max_tokens":16,"messages":${MESSAGE('"hi"')},"tools":${nested(DEEP)}}`],
  ['/v1/chat/completions', 'functions', `{"model":"sim-model","max_completion_tokens":16,"messages":${MESSAGE('"hi"')},"functions":${nested(DEEP)}}`],
  ['/v1/completions', 'prompt', `{"model":"sim-model","max_tokens":16,"prompt":${nested(DEEP)}}`],
  ['/v1/completions', 'suffix', `{"model":"sim-model","max_tokens":16,"prompt":"hi","suffix":${nested(DEEP)}}`],
  ['/v1/responses', 'input', `{"model":"sim-model","max_output_tokens":16,"input":${nested(DEEP)}}`],
  ['/v1/responses', 'instructions', `{"model":"sim-model","max_output_tokens":16,"input":"hi","instructions":${nested(DEEP)}}`],
  ['/v1/responses', 'tools', `{"model":"sim-model","max_output_tokens":16,"input":"hi","tools":${nested(DEEP)}}`],
  ['/v1/messages', 'system', `{"model":"sim-model","max_tokens":16,"messages":${MESSAGE('"hi"')},"system":${nested(DEEP)}}`],
  ['/v1/messages', 'messages', `{"model":"sim-model","max_tokens":16,"messages":${MESSAGE(nested(DEEP))}}`],
  ['/v1/messages', 'tools', `{"model":"sim-model","max_tokens":16,"messages":${MESSAGE('"hi"')},"tools":${nested(DEEP)}}`],
  ['/v1/messages/count_tokens', 'messages', `{"model":"sim-model","messages":${MESSAGE(nested(DEEP))}}`],
];

describe('deeply nested request bodies', () => {
  let stack: Stack;
  let key: string;
  beforeAll(async () => {
    // Han handling on: the user-script scan walks messages too.
    stack = await startStack({ env: { PROXY_STRIP_HAN: 'true' } });
    key = (await stack.createKey()).key;
  });
  afterAll(async () => {
    await stack?.close();
  });

  for (const [path, field, body] of CASES) {
    it(`answers 400 for ${DEEP} levels in ${field} on ${path}, in its dialect, without contacting the backend`, async () => {
      const before = stack.sim.requests.length;
      const r = await fetch(`${stack.gatewayUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body,
      });
      expect(r.status).toBe(400);
      const json: unknown = await r.json();
      if (path.startsWith('/v1/messages')) {
        expect(json).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: OPENAI_MSG } });
      } else {
        expect(json).toEqual({ error: { message: OPENAI_MSG, type: 'invalid_request_error', code: 400 } });
      }
      expect(stack.sim.requests.length).toBe(before);
    });
  }

  it(`serves a body exactly ${MAX_JSON_DEPTH} levels deep and refuses one level more`, async () => {
    // The body is level 1, `x` holds the rest.
    const at = (levels: number): string => `{"model":"sim-model","max_tokens":16,"messages":${MESSAGE('"hi"')},"x":${nested(levels - 1)}}`;
    const ok = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, { method: 'POST', headers: JSON_HEADERS(key), body: at(MAX_JSON_DEPTH) });
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    const over = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, { method: 'POST', headers: JSON_HEADERS(key), body: at(MAX_JSON_DEPTH + 1) });
    expect(over.status).toBe(400);
    expect(((await over.json()) as { error: { message: string } }).error.message).toBe(OPENAI_MSG);
  });

  it('relays the backend 400 for a deep body on an endpoint the gateway does not parse', async () => {
    const r = await fetch(`${stack.gatewayUrl}/v1/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: `{"model":"sim-model","input":${nested(DEEP)}}`,
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { message: string } }).error.message).toBe(`Request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  });
});
