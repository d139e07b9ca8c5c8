// The gateway's log lines about /v1 requests name the outcome and the key id, never the key,
// the client's cookies or the bodies (the request log in the store keeps those, behind the login).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/index.js';
import { createApiKey } from '../../src/store/api-keys.repo.js';
import { openStore } from '../../src/store/db.js';
import { spawnServe } from '../helpers/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'worv-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Line {
  readonly level: number;
  readonly msg: string;
  readonly replica?: string;
  readonly health?: string;
  readonly reason?: string;
  readonly was?: string;
  readonly reqId?: string;
  readonly req?: Record<string, unknown>;
}

/** The JSON log lines of a process's output so far. */
function jsonLines(output: string): Line[] {
  return output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
}

describe('serve: log lines about /v1 requests', () => {
  it('a failed request and (at debug) every request are logged without the key, cookies, address or bodies', async () => {
    const sim = createSimulator({});
    await sim.listen(0, '127.0.0.1');
    const dbPath = join(dir, 'proxy.db');
    const setup = await openStore({ kind: 'sqlite', path: dbPath });
    const { id: keyId, key } = (await createApiKey(setup.db, { name: 'logs', createdAt: new Date().toISOString() }))!;
    await setup.close();
    const serve = await spawnServe({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      PROXY_LOG_BODIES: 'on',
      DATABASE_URL: `sqlite:${dbPath}`,
      VLLM_BASE_URL: sim.url,
    });
    try {
      const send = (fault?: string) =>
        fetch(`${serve.url}/v1/chat/completions`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${key}`,
            cookie: 'worv_session=secret-cookie-value',
            'content-type': 'application/json',
            ...(fault === undefined ? {} : { 'x-sim-fault': fault }),
          },
          body: JSON.stringify({ model: 'sim-model', max_tokens: 8, messages: [{ role: 'user', content: 'my secret prompt' }] }),
        });
      const failed = await send('status:500');
      expect(failed.status).toBe(500);
      await failed.text();
      const dropped = await send('drop');
      expect(dropped.status).toBe(502);
      await dropped.text();
      const ok = await send();
      expect(ok.status).toBe(200);
      const answer = (await ok.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };

      let lines: Line[] = [];
      for (let i = 0; i < 50 && lines.filter((l) => l.req !== undefined).length < 3; i++) {
        await new Promise((r) => setTimeout(r, 20));
        lines = jsonLines(serve.output());
      }
      const warn = lines.find((l) => l.msg === 'upstream request failed');
      expect(warn?.level).toBe(40);
      expect(warn?.req).toMatchObject({ endpoint: 'chat', method: 'POST', status: 500, keyId, model: 'sim-model' });
      // A failure of the backend call says what happened to the connection, not only the kind.
      const cut = lines.find((l) => l.msg === 'upstream request failed' && l.req?.status === 502);
      expect(cut?.req).toMatchObject({ status: 502, result: 'upstream-error', error: 'upstream_error' });
      expect(cut?.req?.cause).toMatch(/^UND_ERR_SOCKET: other side closed$|^ECONNRESET: /);
      const debug = lines.find((l) => l.msg === 'request');
      expect(debug?.level).toBe(20);
      expect(debug?.req).toMatchObject({
        status: 200,
        result: 'complete',
        keyId,
        usage: { promptTokens: answer.usage.prompt_tokens, completionTokens: answer.usage.completion_tokens },
      });
      const out = serve.output();
      expect(out).not.toContain(key);
      expect(out).not.toContain('secret-cookie-value');
      expect(out).not.toContain('my secret prompt');
      expect(Object.keys(debug!.req!)).not.toContain('headers');
      expect(Object.keys(debug!.req!)).not.toContain('peer');
      expect(Object.keys(debug!.req!)).not.toContain('bodies');
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
      await sim.close();
    }
  });

  it('at the default level, health checks and scrapes write no line; other requests still do', async () => {
    const serve = await spawnServe({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATABASE_URL: `sqlite:${join(dir, 'quiet.db')}`,
      VLLM_BASE_URL: 'http://127.0.0.1:9',
    });
    try {
      for (const path of ['/healthz', '/readyz', '/metrics', '/healthz']) await (await fetch(`${serve.url}${path}`)).text();
      // A request that is logged, after them: once its lines are out, theirs would be too.
      expect((await fetch(`${serve.url}/api/status`)).status).toBe(401);
      let lines: Line[] = [];
      for (let i = 0; i < 100 && !lines.some((l) => l.msg === 'request completed'); i++) {
        await new Promise((r) => setTimeout(r, 20));
        lines = jsonLines(serve.output());
      }
      const perRequest = lines.filter((l) => l.reqId !== undefined);
      expect(perRequest.map((l) => [l.msg, l.req?.url])).toEqual([
        ['incoming request', '/api/status'],
        ['request completed', undefined],
      ]);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });

  it('a replica that stops taking requests is one warn line saying why, and one info line when it is back', async () => {
    // A port nothing listens on yet: the first probe round finds the replica down.
    const sim = createSimulator({});
    await sim.listen(0, '127.0.0.1');
    const url = sim.url;
    const port = Number(new URL(url).port);
    await sim.close();
    const serve = await spawnServe({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      PROXY_HEALTH_INTERVAL: '0.2',
      DATABASE_URL: `sqlite:${join(dir, 'health.db')}`,
      VLLM_BASE_URL: url,
    });
    const back = createSimulator({});
    try {
      const lines = (): Line[] => jsonLines(serve.output());
      const waitFor = async (msg: string): Promise<Line[]> => {
        for (let i = 0; i < 150 && !lines().some((l) => l.msg === msg); i++) await new Promise((r) => setTimeout(r, 20));
        return lines().filter((l) => l.msg === msg);
      };
      const out = await waitFor('replica out of use: no new requests go to it');
      expect(out).toHaveLength(1);
      expect(out[0]).toMatchObject({ level: 40, replica: url });
      expect(['cooldown', 'down']).toContain(out[0]?.health);
      expect(out[0]?.reason).toMatch(/connection refused/);
      await back.listen(port, '127.0.0.1');
      const up = await waitFor('replica back in use');
      expect(up).toHaveLength(1);
      expect(up[0]).toMatchObject({ level: 30, replica: url });
      // Rounds that change nothing write nothing more.
      await new Promise((r) => setTimeout(r, 600));
      expect(lines().filter((l) => l.replica === url).map((l) => l.msg)).toEqual(['replica out of use: no new requests go to it', 'replica back in use']);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
      await back.close();
    }
  });
});
