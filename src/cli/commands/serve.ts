/**
 * `worv-proxy serve`: open the store, build the app, listen, and drain on SIGTERM/SIGINT.
 */
import { countAdminUsers } from '../../store/admin-users.repo.js';
import { openStore, type Store } from '../../store/db.js';
import { holdShared, isBusy, SERVE_LOCK } from '../../store/process-lock.js';
import { SpoolFolderError } from '../../store/usage-spool.js';
import { ConfigError } from '../../core/config.js';
import { createApp, type App } from '../../server/app.js';
import { settlesWithin } from '../../core/settles-within.js';
import { STORE_CLOSE_MS } from '../../server/close-store-writers.js';
import { boundHeapGrowth } from '../../server/heap-growth.js';
import { stopPretenuring } from '../../server/pretenuring.js';
import { parseFlags } from '../args.js';
import { reportUsageError, UsageError } from '../help.js';
import { backendWarnings } from '../backend-check.js';
import { loadConfigOrExit } from '../load-config.js';
import { causeOf, nativeLoadProblem, storeTarget, upgradedLine } from '../startup-error.js';
import { storeEnvHint } from '../store-hint.js';
import { backendKey } from '../../core/backend-url.js';

const HELP = 'Usage: worv-proxy serve\n\nRuns the gateway. Configuration comes from the environment (README.md).\n';

function sharedFileWarning(path: string): string {
  return (
    `worv-proxy: warning: another worv-proxy serve is using SQLite ${path}. Without REDIS_URL each process counts ` +
    `per-key limits (rpm, tpm, concurrency, budgets) on its own, so each allows a key its whole limit. ` +
    `Set REDIS_URL to share them, or run one gateway per SQLite file (Postgres for several replicas).\n`
  );
}

/** One line naming the cause, exit 2 (like a configuration error). */
function fail(line: string): never {
  process.stderr.write(`worv-proxy: ${line}\n`);
  process.exit(2);
}

/** Where a browser on this machine opens the console: a wildcard address is not one to open. */
function consoleUrl(url: string, host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return `${url}/`;
  const u = new URL(url);
  u.hostname = host === '::' ? '[::1]' : '127.0.0.1';
  return `${u.origin}/ (listening on every address of this machine)`;
}

export async function runServe(argv: string[]): Promise<number> {
  try {
    parseFlags(argv, {});
  } catch (err) {
    if (err instanceof UsageError) return reportUsageError(err, HELP);
    throw err;
  }
  const config = loadConfigOrExit();
  boundHeapGrowth();
  stopPretenuring();
  let store: Store;
  try {
    store = await openStore(config.database, {
      backgroundCheckpoints: true,
      onMigrated: (applied) => process.stdout.write(upgradedLine(storeTarget(config.database), applied)),
      onCheckpointError: (err) => process.stderr.write(`worv-proxy: background WAL checkpoints stopped (${err.message}); commits checkpoint by themselves\n`),
    });
  } catch (err) {
    return fail(`cannot open the store (${storeTarget(config.database)}): ${causeOf(err)}`);
  }
  // Several processes may serve one SQLite file (usage, spool, keys and backends are shared
  // through it), but without Redis each counts per-key limits on its own: said at start. Each
  // holds the file's serve lock shared until it ends (the kernel drops it however it ends), so
  // `store copy` can tell the file is in use; while a copy runs, no gateway starts on it.
  let serveLock: { close(): unknown } | undefined;
  const db = config.database;
  if (db.kind === 'sqlite' && db.path !== ':memory:') {
    try {
      const hold = holdShared(`${db.path}${SERVE_LOCK}`);
      serveLock = hold;
      if (!hold.alone && config.redisUrl === undefined) process.stderr.write(sharedFileWarning(db.path));
    } catch (err) {
      await store.close().catch(() => undefined);
      if (isBusy(err)) return fail(`a store copy is reading SQLite ${db.path}: start the gateway once it has finished`);
      return fail(`cannot lock SQLite ${db.path}${SERVE_LOCK}: ${causeOf(err)}`);
    }
  }
  let app: App;
  try {
    app = await createApp(config, { store });
  } catch (err) {
    await store.close().catch(() => undefined);
    // The spool's lock file is SQLite too: a better-sqlite3 that does not load is not the folder's fault.
    const native = nativeLoadProblem(err);
    if (native !== undefined) return fail(`cannot start: ${native}`);
    // A file the configuration names (PROXY_MODELS_FILE) is read as the app is built.
    if (err instanceof ConfigError) return fail(`invalid configuration: ${err.message}`);
    if (err instanceof SpoolFolderError) {
      return fail(`cannot start: the usage spool folder ${err.dir} (PROXY_SPOOL_DIR) cannot be written: ${causeOf(err.cause)}`);
    }
    return fail(`cannot start: ${causeOf(err)}`);
  }

  // Signal handlers go in before listening, so a SIGTERM right after start-up still drains.
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second Ctrl-C must not cut the streams being drained (their usage would be lost).
      process.stdout.write(`worv-proxy: ${signal} received again: still draining ${app.dataPlane.inFlight()} request(s); SIGKILL stops at once\n`);
      return;
    }
    stopping = true;
    process.stdout.write(`worv-proxy: ${signal} received, draining in-flight requests\n`);
    void app
      .close()
      // A pool whose connection waits on a lock would hold the exit; the spool already has what matters.
      .then(() => settlesWithin(store.close(), STORE_CLOSE_MS))
      .then(async (closed) => {
        await serveLock?.close();
        if (typeof closed === 'object') throw closed.failed;
        return closed;
      })
      .then(
        (closed) => {
          process.stdout.write('worv-proxy: drained, stopped\n');
          resolveExit(0);
          // The store's connection still waiting (on a lock) would keep the process alive.
          if (closed === 'late') setTimeout(() => process.exit(0), 100).unref();
        },
        (err: unknown) => {
          process.stderr.write(`worv-proxy: shutdown error: ${String(err)}\n`);
          resolveExit(1);
        },
      );
  };
  // A promise nobody awaited that failed (a store or backend error on some path) is logged, not
  // fatal: one request's failure must not end the process serving every other request.
  process.on('unhandledRejection', (err) => {
    process.stderr.write(`worv-proxy: unhandled rejection (still serving): ${err instanceof Error ? err.message : String(err)}\n`);
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  let url: string;
  try {
    ({ url } = await app.listen());
  } catch (err) {
    await app.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    return fail(`cannot listen on ${config.host}:${config.port}: ${causeOf(err)}`);
  }
  const where = storeTarget(config.database);
  const noAdmin = (await countAdminUsers(store.db)) === 0;
  // The backends in use, as `backends add/remove` left them in the store, not only the variable's.
  const inUse = app.dataPlane.backendsView().replicas.map((r) => r.url);
  const used = new Set(inUse.map(backendKey));
  const suppressed = config.backends.filter((u) => !used.has(backendKey(u)));
  process.stdout.write(
    `worv-proxy listening on ${url} (backend ${inUse.join(', ')}; store ${where})\n` +
      suppressed
        .map((u) => `Not in use:         ${u} (in VLLM_BASE_URL, taken out with \`backends remove\`; \`npx worv-proxy backends add ${u}\` puts it back)\n`)
        .join('') +
      `Create an API key:  ${storeEnvHint(config.database)}npx worv-proxy keys create --name my-laptop\n` +
      `Admin console:      ${consoleUrl(url, config.host)}\n` +
      (noAdmin
        ? `No admin user yet:  ${storeEnvHint(config.database)}npx worv-proxy admin set-password --username admin --password '<8+ characters>'\n`
        : ''),
  );
  // After the banner, so start-up is not delayed by a slow backend.
  void backendWarnings(config.backends, config.vllmApiKey).then((w) => {
    if (w !== '' && !stopping) process.stdout.write(w);
  });
  return exited;
}
