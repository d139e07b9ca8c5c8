/**
 * `npm run demo`: the simulator and the gateway together, a key, and a ready-to-paste curl —
 * the gateway end to end on a machine without GPUs. It uses the same database as `serve` and
 * the CLI, so `keys create` and `admin set-password` act on what the demo serves. Runs until
 * Ctrl-C.
 */
import { ConfigError, loadConfigLayered, misspeltVariables } from '../../core/config.js';
import { causeOf, storeTarget, upgradedLine } from '../startup-error.js';
import { storeEnvHint } from '../store-hint.js';
import { createApp } from '../../server/app.js';
import { createSimulator } from '../../simulator/index.js';
import { openStore } from '../../store/db.js';
import { countAdminUsers } from '../../store/admin-users.repo.js';
import { parseFlags } from '../args.js';
import { reportUsageError, UsageError } from '../help.js';
import { demoKey, demoKeyFile } from './demo-key.js';

const HELP = `Usage: worv-proxy demo [--model NAME]

Starts the vLLM simulator (serving NAME, default DeepSeek-V4-Pro) and the gateway in front
of it, and prints an API key and a curl to try. Model names are rewritten to NAME as
PROXY_ALIAS_MODEL=NAME does (Claude Code's claude-* names included), unless it is set. It uses the database of \`serve\` and the CLI
(DATABASE_URL, else ./data/proxy.db), so \`keys\` and \`admin set-password\` work on it. The key
is kept in demo.key beside the database and reused by later runs while it is active.
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

  // Before the configuration is judged, so a failed start names a mistyped variable too.
  for (const w of misspeltVariables()) process.stderr.write(`worv-proxy: warning: ${w}\n`);
  let config;
  try {
    // Claude Code asks for `claude-*` models: the alias sends them to the simulator's (PROXY_ALIAS_MODEL set in the environment wins).
    config = loadConfigLayered({ defaults: { LOG_LEVEL: 'warn', PROXY_ALIAS_MODEL: model }, overrides: { VLLM_BASE_URL: simAddr.url } });
  } catch (err) {
    await sim.close();
    if (err instanceof ConfigError) {
      process.stderr.write(`worv-proxy: invalid configuration: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  // A start-up failure is one line, as for serve, and leaves nothing running behind it.
  let store;
  try {
    store = await openStore(config.database, { onMigrated: (applied) => process.stdout.write(upgradedLine(storeTarget(config.database), applied)) });
  } catch (err) {
    await sim.close();
    process.stderr.write(`worv-proxy: cannot open the store (${storeTarget(config.database)}): ${causeOf(err)}\n`);
    return 2;
  }
  let app;
  try {
    app = await createApp(config, { store });
  } catch (err) {
    await Promise.all([store.close().catch(() => undefined), sim.close()]);
    process.stderr.write(`worv-proxy: cannot start: ${causeOf(err)}\n`);
    return 2;
  }
  const { url } = await app.listen();
  const { key, reused } = await demoKey(store, demoKeyFile(config.database));
  const where = config.database.kind === 'sqlite' ? `SQLite ${config.database.path}` : 'Postgres';
  const noAdmin = (await countAdminUsers(store.db)) === 0;

  process.stdout.write(
    `worv-proxy demo\n` +
      `  simulator (vLLM stand-in, model ${model}): ${simAddr.url}\n` +
      `  gateway:                                  ${url}\n` +
      `  API key:                                  ${key}${reused ? ' (the one from the last demo run)' : ''}\n` +
      `  store:                                    ${where} (the same one \`serve\` and the CLI use)\n\n` +
      `Try it:\n\n` +
      `curl -N ${url}/v1/chat/completions \\\n` +
      `  -H "Authorization: Bearer ${key}" \\\n` +
      `  -H "Content-Type: application/json" \\\n` +
      `  -d '{"model":"${model}","stream":true,"messages":[{"role":"user","content":"Three primes greater than 100."}]}'\n\n` +
      (config.alias.model !== undefined ? `Claude Code:    ANTHROPIC_BASE_URL=${url} ANTHROPIC_AUTH_TOKEN=${key} claude   (its claude-* models are sent to ${config.alias.model})\n` : '') +
      `More keys:      ${storeEnvHint(config.database)}npx worv-proxy keys create --name my-laptop\n` +
      // The CLI learns the boot backends from VLLM_BASE_URL, as the gateway does: without it,
      // it would list the default backend instead of this simulator.
      `Backends:       ${storeEnvHint(config.database)}VLLM_BASE_URL=${simAddr.url} npx worv-proxy backends list\n` +
      (noAdmin ? `Console login:  ${storeEnvHint(config.database)}npx worv-proxy admin set-password --username admin --password '<8+ characters>'   then open ${url}/\n` : `Console:        ${url}/\n`) +
      `\nPress Ctrl-C to stop.\n`,
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
