import { describe, expect, it } from 'vitest';
import { bigBody } from './big-body.js';
import { wrkScript } from './wrk.js';

describe('large bodies', () => {
  it('builds chat and embeddings bodies of exactly the size asked', () => {
    for (const kind of ['chat', 'embeddings'] as const) {
      const text = bigBody(kind, 'm', 1024 * 1024);
      expect(Buffer.byteLength(text)).toBe(1024 * 1024);
      expect(JSON.parse(text)).toHaveProperty('model', 'm');
    }
  });
  it('ends the chat conversation with a user turn and asks for more tokens than any cap', () => {
    const body = JSON.parse(bigBody('chat', 'm', 200_000)) as { max_tokens: number; messages: { role: string }[] };
    expect(body.max_tokens).toBe(1_000_000);
    expect(body.messages.at(-1)?.role).toBe('user');
  });
});

describe('wrk script', () => {
  it('quotes the body so that no text can close the Lua string', () => {
    const s = wrkScript({ path: '/', body: 'a]]b]=]c', headers: { 'x-k': 'v' }, connections: 1, durationS: 1 });
    expect(s).toContain('wrk.body = [==[a]]b]=]c]==]');
    expect(s).toContain('wrk.headers[ [[x-k]] ] = [[v]]');
  });
});
