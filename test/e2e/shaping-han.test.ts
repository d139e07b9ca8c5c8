// Han-script stripping end to end (and the Han system-prompt
// injection, docs/shaping.md): the simulator mixes Han words and CJK punctuation into its output (x-sim-han)
// and cuts its stream into small byte pieces (x-sim-chunking), so frames and UTF-8 characters
// arrive split; the oracle is the simulator's own output with `stripHan` applied.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HAN_SYSTEM_PROMPT } from '../../src/core/config.js';
import { stripHan } from '../../src/core/script.js';
import { containsHan } from '../helpers/script.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { frames, postJson, simId } from './support.js';

const LIVE = 'DeepSeek-V4-Pro';
const ENGLISH = [{ role: 'user', content: 'Three primes greater than 100.' }];
const CHINESE = [{ role: 'user', content: '请列出三个大于100的质数。' }];
const TOOLS = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } } }];

type Json = Record<string, unknown>;

/** Parsed `data:` JSON of each SSE frame (skipping comments and [DONE]). */
function events(text: string): Json[] {
  const out: Json[] = [];
  for (const f of frames(text)) {
    const data = f.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
    if (data !== '' && data !== '[DONE]') out.push(JSON.parse(data) as Json);
  }
  return out;
}

/** Concatenated chat deltas of one field, and the tool-call argument fragments. */
function chatText(text: string, field: 'content' | 'reasoning'): string {
  let s = '';
  for (const e of events(text)) for (const c of (e.choices as Array<{ delta?: Json }> | undefined) ?? []) {
    const v = c.delta?.[field];
    if (typeof v === 'string') s += v;
  }
  return s;
}

function toolArgs(text: string): string {
  let s = '';
  for (const e of events(text)) for (const c of (e.choices as Array<{ delta?: { tool_calls?: Array<{ function?: { arguments?: string } }> } }> | undefined) ?? []) {
    for (const t of c.delta?.tool_calls ?? []) s += t.function?.arguments ?? '';
  }
  return s;
}

/** Concatenated Anthropic deltas of one type. */
function anthropicText(text: string, type: 'text_delta' | 'thinking_delta' | 'input_json_delta'): string {
  const key = type === 'text_delta' ? 'text' : type === 'thinking_delta' ? 'thinking' : 'partial_json';
  let s = '';
  for (const e of events(text)) {
    const d = e.delta as Json | undefined;
    if (e.type === 'content_block_delta' && d?.type === type) s += d[key] as string;
  }
  return s;
}

describe('Han stripping through the gateway (PROXY_STRIP_HAN=on)', () => {
  let stack: Stack;
  let key: string;
  beforeAll(async () => {
    stack = await startStack({
      simulator: { model: LIVE, maxModelLen: 262_144, tokens: 24, reasoningTokens: 12, seed: 7 },
      env: { PROXY_ALIAS_MODEL: LIVE, PROXY_STRIP_HAN: 'on' },
    });
    key = (await stack.createKey()).key;
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function call(path: string, body: Json, sim: Record<string, string>) {
    const res = await postJson(stack.gatewayUrl, path, key, body, sim);
    const text = await res.text();
    const rec = stack.sim.getRequest(simId(res.headers));
    if (rec === undefined) throw new Error('the simulator did not record the request');
    return { res, text, simText: rec.sentText(), sent: rec.body as Json };
  }

  for (const chunking of ['bytes:1', 'bytes:7', 'frame']) {
    it(`streamed chat (${chunking}): content and reasoning deltas stripped`, async () => {
      const { res, text, simText } = await call('/v1/chat/completions', { model: LIVE, stream: true, messages: ENGLISH }, { 'x-sim-han': '0.5', 'x-sim-chunking': chunking });
      expect(res.status).toBe(200);
      for (const field of ['content', 'reasoning'] as const) {
        const upstream = chatText(simText, field);
        expect(containsHan(upstream)).toBe(true);
        expect(chatText(text, field)).toBe(stripHan(upstream));
      }
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    });
  }

  it('streamed tool-call chunks are not filtered: arguments keep their Han', async () => {
    const { text, simText } = await call('/v1/chat/completions', { model: LIVE, stream: true, messages: ENGLISH, tools: TOOLS }, { 'x-sim-han': 'all', 'x-sim-chunking': 'bytes:4', 'x-sim-tool-calls': '1' });
    const args = toolArgs(simText);
    expect(containsHan(args)).toBe(true);
    expect(toolArgs(text)).toBe(args);
    expect(containsHan(chatText(text, 'reasoning'))).toBe(false);
  });

  it('frames are re-serialised only when they changed: every other frame is byte-identical', async () => {
    const { text, simText } = await call('/v1/chat/completions', { model: LIVE, stream: true, stream_options: { include_usage: true }, messages: ENGLISH }, { 'x-sim-han': '0.3', 'x-sim-chunking': 'bytes:5' });
    const got = frames(text);
    const want = frames(simText);
    expect(got.length).toBe(want.length);
    let changed = 0;
    want.forEach((f, i) => {
      if (containsHan(f)) changed++;
      else expect(got[i]).toBe(f);
    });
    expect(changed).toBeGreaterThan(0);
  });

  it('a Chinese conversation is relayed byte-exact, with no Han instruction injected', async () => {
    const { text, simText, sent } = await call('/v1/chat/completions', { model: LIVE, stream: true, stream_options: { include_usage: true }, messages: CHINESE }, { 'x-sim-han': '0.5', 'x-sim-chunking': 'bytes:3' });
    expect(containsHan(simText)).toBe(true);
    expect(text).toBe(simText);
    expect(sent.messages).toEqual(CHINESE);
  });

  it('an English conversation gets the Han instruction before its own system prompt', async () => {
    const { sent } = await call('/v1/chat/completions', { model: LIVE, messages: [{ role: 'system', content: 'Be brief.' }, ...ENGLISH] }, {});
    expect(sent.messages).toEqual([{ role: 'system', content: `${DEFAULT_HAN_SYSTEM_PROMPT}\n\nBe brief.` }, ...ENGLISH]);
  });

  it('messages: the Han instruction goes into the top-level system blocks', async () => {
    const { sent } = await call('/v1/messages', { model: LIVE, max_tokens: 64, system: [{ type: 'text', text: 'S' }], messages: ENGLISH }, {});
    expect(sent.system).toEqual([{ type: 'text', text: DEFAULT_HAN_SYSTEM_PROMPT }, { type: 'text', text: 'S' }]);
  });

  it('non-stream chat: the same rule, so the text matches the streamed answer', async () => {
    const body = { model: LIVE, messages: ENGLISH };
    const sim = { 'x-sim-han': '0.5', 'x-sim-seed': '11' };
    const plain = await call('/v1/chat/completions', body, sim);
    const message = ((JSON.parse(plain.text) as Json).choices as Array<{ message: Json }>)[0]!.message;
    const upstream = ((JSON.parse(plain.simText) as Json).choices as Array<{ message: Json }>)[0]!.message;
    expect(containsHan(upstream.content as string)).toBe(true);
    expect(message.content).toBe(stripHan(upstream.content as string));
    expect(message.reasoning).toBe(stripHan(upstream.reasoning as string));
    const streamed = await call('/v1/chat/completions', { ...body, stream: true }, { ...sim, 'x-sim-chunking': 'bytes:2' });
    expect(chatText(streamed.text, 'content')).toBe(message.content);
    expect(Number(plain.res.headers.get('content-length'))).toBe(Buffer.byteLength(plain.text));
  });

  for (const chunking of ['bytes:1', 'bytes:9']) {
    it(`streamed messages (${chunking}): text and thinking deltas stripped`, async () => {
      const { text, simText } = await call('/v1/messages', { model: LIVE, max_tokens: 512, stream: true, messages: ENGLISH }, { 'x-sim-han': '0.5', 'x-sim-chunking': chunking });
      for (const type of ['text_delta', 'thinking_delta'] as const) {
        const upstream = anthropicText(simText, type);
        expect(containsHan(upstream)).toBe(true);
        expect(anthropicText(text, type)).toBe(stripHan(upstream));
      }
      expect(text).toContain('event: message_stop\n');
    });
  }

  it('streamed messages: input_json_delta (tool use) is not filtered', async () => {
    const { text, simText } = await call('/v1/messages', { model: LIVE, max_tokens: 512, stream: true, messages: ENGLISH, tools: [{ name: 'lookup', input_schema: TOOLS[0]!.function.parameters }] }, { 'x-sim-han': 'all', 'x-sim-chunking': 'bytes:3', 'x-sim-tool-calls': '1' });
    const json = anthropicText(simText, 'input_json_delta');
    expect(containsHan(json)).toBe(true);
    expect(anthropicText(text, 'input_json_delta')).toBe(json);
  });

  it('a Korean conversation is stripped too (Hangul is never removed)', async () => {
    const { text, simText } = await call('/v1/completions', { model: LIVE, prompt: '안녕하세요', max_tokens: 30, stream: true }, { 'x-sim-han': '0.5' });
    const texts = (t: string) => events(t).map((e) => ((e.choices as Array<{ text?: string }> | undefined) ?? []).map((c) => c.text ?? '').join('')).join('');
    expect(containsHan(texts(simText))).toBe(true);
    expect(texts(text)).toBe(stripHan(texts(simText)));
  });
});
