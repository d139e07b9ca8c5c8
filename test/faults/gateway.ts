/**
 * An in-process gateway for the fault tests: the simulator, a store of the test's choosing and
 * createApp on free ports, plus the client helpers the tests share (a chat request that
 * reports the usage it was answered with, an admin login).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isoTime } from '../../src/core/clock.js';
import { loadConfig, type Config } from '../../src/core/config.js';
import { createApp, type App } from '../../src/server/app.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { createApiKey } from '../../src/store/api-keys.repo.js';
import { openStore, type Store } from '../../src/store/db.js';

export interface FaultGateway {
  readonly url: string;
  readonly app: App;
  readonly store: Store;
  readonly sim: Simulator;
  readonly config: Config;
  /** A folder of the test's own (the spool lives there). */
  readonly dir: string;
  createKey(): Promise<{ id: string; key: string }>;
  close(): Promise<void>;
}

export async function startFaultGateway(databaseUrl: string | undefined, env: Record<string, string> = {}): Promise<FaultGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'worv-fault-'));
  const sim = createSimulator({});
  await sim.listen(0, '127.0.0.1');
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    VLLM_BASE_URL: sim.url,
    DATABASE_URL: databaseUrl ?? `sqlite:${join(dir, 'proxy.db')}`,
    PROXY_SPOOL_DIR: join(dir, 'spool'),
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: 'correct-horse-battery',
    ...env,
  });
  const store = await openStore(config.database);
  const app = await createApp(config, { store });
  const { url } = await app.listen();
  return {
    url,
    app,
    store,
    sim,
    config,
    dir,
    async createKey() {
      const k = await createApiKey(store.db, { name: 'fault', createdAt: isoTime(Date.now()) });
      if (k === undefined) throw new Error('key collision');
      return k;
    },
    async close() {
      await app.close();
      await store.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  /** Tokens the client was answered with (200 only). */
  readonly usage: { readonly prompt: number; readonly completion: number } | undefined;
  readonly retryAfter: string | null;
}

/** A non-streamed chat request; a 200's usage is what the client was told. */
export async function chat(url: string, key: string, path = '/v1/chat/completions'): Promise<Answer> {
  const anthropic = path.startsWith('/v1/messages');
  const body = anthropic
    ? { model: 'sim-model', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }
    : { model: 'sim-model', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
  const r = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await r.json()) as Record<string, unknown>;
  let usage: Answer['usage'];
  if (r.status === 200) {
    const u = json.usage as Record<string, number>;
    usage = anthropic ? { prompt: u.input_tokens!, completion: u.output_tokens! } : { prompt: u.prompt_tokens!, completion: u.completion_tokens! };
  }
  return { status: r.status, body: json, usage, retryAfter: r.headers.get('retry-after') };
}

/** Logs in as the admin the gateway created from ADMIN_USERNAME / ADMIN_PASSWORD; returns the Cookie header. */
export async function adminCookie(url: string): Promise<string> {
  const r = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'correct-horse-battery' }),
  });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${await r.text()}`);
  return r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

/** Sums of what clients were answered with. */
export function sumAnswers(answers: readonly Answer[]): { requests: number; promptTokens: number; completionTokens: number } {
  const ok = answers.filter((a) => a.status === 200);
  return {
    requests: ok.length,
    promptTokens: ok.reduce((s, a) => s + (a.usage?.prompt ?? 0), 0),
    completionTokens: ok.reduce((s, a) => s + (a.usage?.completion ?? 0), 0),
  };
}
