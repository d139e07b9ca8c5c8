// Cached prompt tokens and reasoning tokens: read from every wire format's detail fields, in
// JSON bodies and in streams, and added to the key's day bucket beside prompt and completion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utcDay } from '../../src/core/clock.js';
import { fixedClock } from '../helpers/clock.js';
import { queryUsage } from '../../src/store/usage.repo.js';
import { postgresUnavailableReason } from '../helpers/dialects.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { CHAT_BODY, COMPLETIONS_BODY, MESSAGES_BODY, RESPONSES_BODY, postJson } from './support.js';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const DAY = utcDay(NOW);
const REASONING = 5;
// Long enough for several 16-token blocks of the simulator's prefix cache.
const LONG = 'Name three prime numbers greater than one hundred and explain briefly why each is prime. '.repeat(4);

// [name, path, body, reasoning tokens the wire format reports]
// Each case's prompt starts with its own tag, so no case finds another's blocks in the cache.
const CASES: ReadonlyArray<[string, string, (tag: string) => object, number]> = [
  ['chat', '/v1/chat/completions', (tag) => ({ ...CHAT_BODY, messages: [{ role: 'user', content: tag + LONG }] }), REASONING],
  // /v1/completions has no reasoning.
  ['completions', '/v1/completions', (tag) => ({ ...COMPLETIONS_BODY, prompt: tag + LONG }), 0],
  ['responses', '/v1/responses', (tag) => ({ ...RESPONSES_BODY, input: tag + LONG }), REASONING],
  // Anthropic reports cache reads but no reasoning count (thinking is part of output_tokens).
  ['messages', '/v1/messages', (tag) => ({ ...MESSAGES_BODY, messages: [{ role: 'user', content: tag + LONG }] }), 0],
];

/** The cached-token count a response reports, in any of the wire formats. */
function reportedCached(text: string): number {
  const m = [...text.matchAll(/"(?:cached_tokens|cache_read_input_tokens)":(\d+)/g)].at(-1);
  return m === undefined ? 0 : Number(m[1]);
}

const pgSkip = await postgresUnavailableReason();

for (const database of ['sqlite', 'postgres'] as const) {
  describe.skipIf(database === 'postgres' && pgSkip !== undefined)(`cached and reasoning tokens (${database})`, () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack({ database, clock: fixedClock(NOW), simulator: { promptTokensDetails: true, reasoningTokens: REASONING, tokens: 4 } });
    });
    afterAll(async () => {
      await stack?.close();
    });

    for (const [name, path, body, reasoning] of CASES) {
      for (const stream of [false, true]) {
        it(`${name} ${stream ? 'stream' : 'JSON'}: a repeated prompt's cached tokens and the reasoning tokens counted in the day bucket`, async () => {
          const { key, id } = await stack.createKey(`${name}-${stream}`);
          // The first request fills the prefix cache (for this wire format's prompt text); the
          // second one finds its leading blocks there.
          // Streams ask for the usage chunk so the client sees what the backend reported.
          const sent = { ...body(`${name} ${String(stream)}: `), stream, ...(stream ? { stream_options: { include_usage: true } } : {}) };
          const first = await postJson(stack.gatewayUrl, path, key, sent);
          expect(first.status).toBe(200);
          await first.text();
          const res = await postJson(stack.gatewayUrl, path, key, sent);
          expect(res.status).toBe(200);
          const text = await res.text();
          const cached = reportedCached(text);
          expect(cached).toBeGreaterThanOrEqual(16);
          if (reasoning > 0) expect(text).toContain(`"reasoning_tokens":${REASONING}`);
          await stack.app.usageWriter.drain();
          const { days } = await queryUsage(stack.store.db, { from: DAY, to: DAY, keyId: id });
          expect(days).toHaveLength(1);
          const row = days[0]!;
          expect(row.requests).toBe(2);
          // The first request found nothing cached; the second reported `cached`.
          expect(row.cachedTokens).toBe(cached);
          expect(row.reasoningTokens).toBe(2 * reasoning);
          expect(row.promptTokens).toBeGreaterThan(2 * cached);
          expect(row.completionTokens).toBe(2 * (4 + reasoning + (name === 'messages' ? REASONING : 0)));
        });
      }
    }
  });
}
