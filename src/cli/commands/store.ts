/**
 * `worv-proxy store copy --to URL`: copies the store of DATABASE_URL into a new, empty one
 * (store/store-copy.ts), typically a single gateway's SQLite file into the Postgres database
 * several replicas will share. The gateways on the source are stopped first: a SQLite source
 * whose gateway still runs, or usage still waiting in a spool, is refused.
 */
import { existsSync, readdirSync } from 'node:fs';
import { parseDatabaseUrl, ConfigError, type DatabaseConfig } from '../../core/config.js';
import { spoolPlace } from '../../server/spool-place.js';
import { openStore, type Store } from '../../store/db.js';
import { isBusy, SERVE_LOCK, takeLock } from '../../store/process-lock.js';
import { copyStore, StoreNotEmptyError } from '../../store/store-copy.js';
import { parseFlags } from '../args.js';
import { checkHelpWord, reportUsageError, UsageError } from '../help.js';
import { loadConfigOrExit } from '../load-config.js';
import { causeOf, storeTarget, upgradedLine } from '../startup-error.js';

const HELP = `Usage: worv-proxy store copy --to URL [--without-request-log]

Copies the store of DATABASE_URL (keys, usage, admin users, run-time backends, settings, GPU
samples and the request log) into the new, empty store at URL (sqlite:PATH or
postgres://user@host:port/db), in one transaction. Stop every gateway using the source first.
`;

function fail(line: string): number {
  process.stderr.write(`worv-proxy: store copy: ${line}\n`);
  return 1;
}

function sameStore(a: DatabaseConfig, b: DatabaseConfig): boolean {
  return a.kind === 'sqlite' && b.kind === 'sqlite' ? a.path === b.path : a.kind === 'postgres' && b.kind === 'postgres' && a.url === b.url;
}

/** Spool segments of the source left by a gateway that did not stop cleanly: usage not in the store yet. */
function pendingSpool(dir: string | undefined, prefix: string): string | undefined {
  if (dir === undefined || !existsSync(dir)) return undefined;
  return readdirSync(dir).find((f) => f.startsWith(`${prefix}spool-`) && f.endsWith('.jsonl'));
}

export async function runStore(argv: string[]): Promise<number> {
  let to: DatabaseConfig;
  let withoutRequestLog: boolean;
  try {
    const [sub, ...rest] = argv;
    checkHelpWord(sub);
    if (sub !== 'copy') throw new UsageError(sub === undefined ? 'store: missing subcommand' : `store: unknown subcommand ${JSON.stringify(sub)}`);
    const { values } = parseFlags(rest, { to: { type: 'string' }, 'without-request-log': { type: 'boolean' } });
    if (values.to === undefined) throw new UsageError('store copy: --to is required');
    try {
      to = parseDatabaseUrl(values.to, '--to');
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(`store copy: ${err.message}`);
      throw err;
    }
    withoutRequestLog = values['without-request-log'] === true;
  } catch (err) {
    if (err instanceof UsageError) return reportUsageError(err, HELP);
    throw err;
  }
  const config = loadConfigOrExit();
  const from = config.database;
  if (to.kind === 'sqlite' && to.path === ':memory:') return fail('--to must be a store that lasts (sqlite:PATH or postgres://…)');
  if (from.kind === 'sqlite' && from.path === ':memory:') return fail('DATABASE_URL names an in-memory store: there is nothing to copy');
  if (sameStore(from, to)) return fail('--to names the store of DATABASE_URL itself');

  // A SQLite source must not be in use: its gateway would keep writing usage the copy misses.
  let lock: { close(): unknown } | undefined;
  if (from.kind === 'sqlite' && from.path !== ':memory:') {
    if (!existsSync(from.path)) return fail(`the source ${storeTarget(from)} does not exist (DATABASE_URL names the store to copy from)`);
    try {
      lock = takeLock(`${from.path}${SERVE_LOCK}`);
    } catch (err) {
      if (isBusy(err)) return fail(`a gateway is serving ${storeTarget(from)}: stop it first, so that no usage is written during the copy`);
      throw err;
    }
  }
  let source: Store | undefined;
  let target: Store | undefined;
  try {
    try {
      source = await openStore(from, { onMigrated: (applied) => process.stderr.write(upgradedLine(storeTarget(from), applied)) });
    } catch (err) {
      return fail(`cannot open the source (${storeTarget(from)}): ${causeOf(err)}`);
    }
    const { spoolDir, spoolPrefix } = spoolPlace(config, source);
    const spooled = pendingSpool(spoolDir, spoolPrefix);
    if (spooled !== undefined) {
      return fail(`usage is waiting in the spool (${spoolDir}/${spooled}): start a gateway on the source and stop it, so the spool is replayed, then copy`);
    }
    try {
      target = await openStore(to, { onMigrated: (applied) => process.stderr.write(upgradedLine(storeTarget(to), applied)) });
    } catch (err) {
      return fail(`cannot open the target (${storeTarget(to)}): ${causeOf(err)}`);
    }
    const t0 = performance.now();
    try {
      await copyStore(source, target, {
        withoutRequestLog,
        onTable: (table, rows) => process.stdout.write(`${table.padEnd(16)} ${rows} row${rows === 1 ? '' : 's'}\n`),
      });
    } catch (err) {
      if (err instanceof StoreNotEmptyError) return fail(err.message);
      return fail(`nothing was copied (${causeOf(err)})`);
    }
    process.stdout.write(
      `Copied ${storeTarget(from)} into ${storeTarget(to)} in ${Math.round(performance.now() - t0)} ms. ` +
        `Set DATABASE_URL to the new store for every gateway; admins sign in again.\n`,
    );
    return 0;
  } finally {
    await target?.close();
    await source?.close();
    lock?.close();
  }
}
