/**
 * `npm run demo`: the simulator and the gateway together, a fresh key, and a ready-to-paste
 * curl — the gateway end to end on a machine without GPUs. Runs until Ctrl-C.
 */
import { isoTime, systemClock } from '../../core/clock.js';
import { ConfigError, loadConfigLayered } from '../../core/config.js';
import { createApp } from '../../server/app.js';
import { createSimulator } from '../../simulator/index.js';
import { createApiKey } from '../../store/api-keys.repo.js';
import { openStore } from '../../store/db.js';
import { parseFlags } from '../args.js';
import { reportUsageError, UsageError } from '../help.js';

const HELP = `Usage: worv-proxy demo [--model NAME]

Starts the vLLM simulator (serving NAME, default DeepSeek-V4-Pro) and the gateway in front
of it, creates an API key, and prints a curl to try. Uses DATABASE_URL, else ./data/demo.db.
`;

export async function runDemo(argv: string[]): Promise<number> {
  let model = 'DeepSeek-V4-Pro';
  try {
    const { values } = parseFlags(argv, { model: { type: 'string' } });
    if (values.model !== undefined) model = values.model;
  } catch (err) {
    if (err instanceof UsageError) return reportUsageError(err, HELP);
    throw err;
  }

  const sim = createSimulator({ model, ttftMs: 150, itlMs: 25, tokens: 40, record: false });
  const simAddr = await sim.listen(0, '127.0.0.1');

  let config;
  try {
    config = loadConfigLayered({ defaults: { DATABASE_URL: 'sqlite:./data/demo.db', LOG_LEVEL: 'warn' }, overrides: { VLLM_BASE_URL: simAddr.url } });
  } catch (err) {
    await sim.close();
    if (err instanceof ConfigError) {
      process.stderr.write(`worv-proxy: invalid configuration: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const store = await openStore(config.database);
  const app = await createApp(config, { store });
  const { url } = await app.listen();
  const created = await createApiKey(store.db, { name: `demo ${isoTime(systemClock.now())}`, createdAt: isoTime(systemClock.now()) });
  if (created === undefined) throw new Error('a freshly generated key collided');
  const { key } = created;

  process.stdout.write(
    `worv-proxy demo\n` +
      `  simulator (vLLM stand-in, model ${model}): ${simAddr.url}\n` +
      `  gateway:                                  ${url}\n` +
      `  API key:                                  ${key}\n\n` +
      `Try it:\n\n` +
      `curl -N ${url}/v1/chat/completions \\\n` +
      `  -H "Authorization: Bearer ${key}" \\\n` +
      `  -H "Content-Type: application/json" \\\n` +
      `  -d '{"model":"${model}","stream":true,"messages":[{"role":"user","content":"Three primes greater than 100."}]}'\n\n` +
      `Press Ctrl-C to stop.\n`,
  );

  return new Promise<number>((resolve) => {
    const stop = () => {
      void app
        .close()
        .then(() => Promise.all([store.close(), sim.close()]))
        .then(() => resolve(0), () => resolve(1));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
