// Embeddings are metered: the input tokens the backend reports count for the key (totals, day
// bucket, request log), so per-key token limits and budgets apply to them; the body is relayed
// unchanged, a small one and a streamed upload alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestLog } from '../../src/store/request-log.repo.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { postJson } from './support.js';

interface Embedding {
  readonly usage: { readonly prompt_tokens: number; readonly total_tokens: number };
}

describe('embeddings usage', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('counts the prompt tokens of a small body and of a streamed upload; the answer is relayed byte for byte', async () => {
    const { key, id } = await stack.createKey('embed');
    const small = await postJson(stack.gatewayUrl, '/v1/embeddings', key, { model: 'sim-model', input: ['one two three', 'four five'] });
    expect(small.status).toBe(200);
    const smallText = await small.text();
    const sent = stack.sim.requests.filter((r) => r.path === '/v1/embeddings').at(-1)!;
    expect(smallText).toBe(sent.sentText());
    const a = (JSON.parse(smallText) as Embedding).usage.prompt_tokens;
    expect(a).toBeGreaterThan(0);
    // Over 64 KiB: streamed upstream as it arrives, the answer metered all the same.
    const big = await postJson(stack.gatewayUrl, '/v1/embeddings', key, { model: 'sim-model', input: 'word '.repeat(20_000) });
    expect(big.status).toBe(200);
    const b = ((await big.json()) as Embedding).usage.prompt_tokens;
    expect(await stack.usage(id)).toMatchObject({ requests: 2, promptTokens: a + b, completionTokens: 0 });
    await stack.app.requestLog?.writer.flush();
    const { rows } = await listRequestLog(stack.store.db, { keyId: id }, 10, undefined);
    expect(rows.map((r) => [r.endpoint, r.prompt_tokens, r.completion_tokens]).sort()).toEqual([
      ['embeddings', a, 0],
      ['embeddings', b, 0],
    ].sort());
  });

  it('a daily token budget counts embeddings and then refuses', async () => {
    const { key, id } = await stack.createKey('embed-budget');
    await stack.store.db.updateTable('api_keys').set({ limit_daily_tokens: 5 }).where('id', '=', id).execute();
    await new Promise((r) => setTimeout(r, 1100)); // the key cache's second
    const first = await postJson(stack.gatewayUrl, '/v1/embeddings', key, { model: 'sim-model', input: 'a b c d e f g h' });
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const refused = await postJson(stack.gatewayUrl, '/v1/embeddings', key, { model: 'sim-model', input: 'x' });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe('insufficient_quota');
  });
});
