// A key deleted while one of its requests is in flight: the request finishes, its usage is
// dropped (counted in worv_proxy_usage_dropped_total), and no usage row is re-created.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteApiKey } from '../../src/store/api-keys.repo.js';
import { startFaultGateway, type FaultGateway } from './gateway.js';

describe('key deleted with a request in flight', () => {
  let gw: FaultGateway;
  beforeAll(async () => {
    gw = await startFaultGateway(undefined);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('drops that request\'s usage instead of re-creating rows for the deleted key', async () => {
    const { id, key } = await gw.createKey();
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-sim-itl-ms': '30', 'x-sim-tokens': '20' },
      body: JSON.stringify({ model: 'sim-model', stream: true, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    expect(await deleteApiKey(gw.store.db, id)).toBe(true);
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain('data: [DONE]');
    await gw.app.usageWriter.drain();
    expect(await gw.store.db.selectFrom('usage_totals').selectAll().where('key_id', '=', id).execute()).toEqual([]);
    expect(await gw.store.db.selectFrom('usage_daily').selectAll().where('key_id', '=', id).execute()).toEqual([]);
    expect(await (await fetch(`${gw.url}/metrics`)).text()).toMatch(/^worv_proxy_usage_dropped_total 1$/m);
    // The key stops working within the key cache's second.
    await new Promise((r) => setTimeout(r, 1100));
    const after = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(after.status).toBe(401);
  }, 30_000);
});
