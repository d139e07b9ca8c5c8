/**
 * `worv-proxy serve`: open the store, build the app, listen, and drain on SIGTERM/SIGINT.
 */
import { countAdminUsers } from '../../store/admin-users.repo.js';
import { openStore } from '../../store/db.js';
import { createApp } from '../../server/app.js';
import { parseFlags } from '../args.js';
import { reportUsageError, UsageError } from '../help.js';
import { loadConfigOrExit } from '../load-config.js';

const HELP = 'Usage: worv-proxy serve\n\nRuns the gateway. Configuration comes from the environment (README.md).\n';

export async function runServe(argv: string[]): Promise<number> {
  try {
    parseFlags(argv, {});
  } catch (err) {
    if (err instanceof UsageError) return reportUsageError(err, HELP);
    throw err;
  }
  const config = loadConfigOrExit();
  const store = await openStore(config.database);
  const app = await createApp(config, { store });

  // Signal handlers go in before listening, so a SIGTERM right after start-up still drains.
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`worv-proxy: ${signal} received, draining in-flight requests\n`);
    void app
      .close()
      .then(() => store.close())
      .then(
        () => resolveExit(0),
        (err: unknown) => {
          process.stderr.write(`worv-proxy: shutdown error: ${String(err)}\n`);
          resolveExit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  const { url } = await app.listen();
  const where = config.database.kind === 'sqlite' ? `SQLite ${config.database.path}` : 'Postgres';
  const noAdmin = (await countAdminUsers(store.db)) === 0;
  process.stdout.write(
    `worv-proxy listening on ${url} (backend ${config.backends.join(', ')}; store ${where})\n` +
      `Create an API key:  npx worv-proxy keys create --name my-laptop\n` +
      `Admin console:      ${url}/\n` +
      (noAdmin
        ? `No admin user yet:  npx worv-proxy admin set-password --username admin --password '<8+ characters>'\n`
        : ''),
  );
  return exited;
}
