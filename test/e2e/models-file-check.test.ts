// A models file that does not match what the backends list: an entry under a name no backend
// lists (a wrong case) would apply to nothing, and a context window above the engine's
// max_model_len lets through prompts the engine refuses. The gateway serves on, and says each
// once in its log, after every replica has listed its models.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { runCli } from '../helpers/run-cli.js';
import { spawnServe } from '../helpers/serve-process.js';
import { postJson } from './support.js';

const USER = { role: 'user', content: 'Three primes greater than 100.' };

describe('the models file held against the backends\' listings', () => {
  const sims: Simulator[] = [];
  let dir: string | undefined;
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.close()));
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('a name no backend lists and a context window above max_model_len are logged once each; the right entries apply', async () => {
    for (const [model, maxModelLen] of [['GLM-5.1', 32768], ['Kimi-K2.6', 65536]] as const) {
      const sim = createSimulator({ model, maxModelLen });
      await sim.listen(0, '127.0.0.1');
      sims.push(sim);
    }
    dir = mkdtempSync(join(tmpdir(), 'worv-models-check-'));
    const file = join(dir, 'models.json');
    writeFileSync(
      file,
      JSON.stringify({
        'kimi-k2.6': { maxOutputTokens: 100 },
        'GLM-5.1': { contextTokens: 202752, maxOutputTokens: 50 },
        'Kimi-K2.6': { contextTokens: 65536 },
      }),
    );
    const env = {
      PORT: '0',
      LOG_LEVEL: 'warn',
      DATABASE_URL: `sqlite:${join(dir, 'proxy.db')}`,
      VLLM_BASE_URL: sims.map((s) => s.url).join(','),
      PROXY_MODELS_FILE: file,
      PROXY_HEALTH_INTERVAL: '0.2',
    };
    const key = (await runCli(['keys', 'create', '--name', 'models'], env)).stdout.trimEnd().split('\n').at(-1) ?? '';
    const serve = await spawnServe(env);
    const lines = (): { level: number; msg: string }[] =>
      serve
        .output()
        .split('\n')
        .filter((l) => l.includes('models file (PROXY_MODELS_FILE)'))
        .map((l) => {
          const { level, msg } = JSON.parse(l) as { level: number; msg: string };
          return { level, msg };
        });
    await expect.poll(() => lines().length, { timeout: 5000 }).toBe(2);
    // Further probe rounds say nothing new.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(lines()).toEqual([
      {
        level: 40,
        msg: 'models file (PROXY_MODELS_FILE): `kimi-k2.6` is not a model the backends list (they list `GLM-5.1`, `Kimi-K2.6`), so its settings apply to nothing; names are case-sensitive: did you mean `Kimi-K2.6`?',
      },
      {
        level: 40,
        msg: `models file (PROXY_MODELS_FILE): \`GLM-5.1\`.contextTokens 202752 is more than the 32768 that ${sims[0]!.url} lists as max_model_len: prompts and output tokens the gateway lets through past 32768 are refused by that engine`,
      },
    ]);
    // The entries under the listed names apply; the one under the wrong case does not.
    const glm = await postJson(serve.url, '/v1/chat/completions', key, { model: 'GLM-5.1', max_tokens: 5000, messages: [USER] });
    expect([glm.status, glm.headers.get('x-worv-max-tokens-capped')]).toEqual([200, '5000->50']);
    const kimi = await postJson(serve.url, '/v1/chat/completions', key, { model: 'Kimi-K2.6', max_tokens: 5000, messages: [USER] });
    expect([kimi.status, kimi.headers.get('x-worv-max-tokens-capped')]).toEqual([200, null]);
    serve.child.kill('SIGTERM');
    await serve.exited;
  }, 30_000);
});
