/**
 * `worv-proxy backends add URL | remove URL | list`: backends changed at run time, written to
 * the store the gateways read every second (docs/fleet.md). The CLI reads VLLM_BASE_URL and
 * DATABASE_URL as the gateway does: run it with the gateway's environment.
 */
import { backendKey, backendSource, backendRefusal, checkBackendUrl, effectiveBackends } from '../../core/backend-url.js';
import { isoTime, systemClock } from '../../core/clock.js';
import { addBackend, listBackendChanges, removeBackend } from '../../store/backends.repo.js';
import type { Store } from '../../store/db.js';
import { openCliStore } from '../open-cli-store.js';
import { parseFlags } from '../args.js';
import { checkHelpWord, reportUsageError, UsageError } from '../help.js';
import { loadConfigOrExit } from '../load-config.js';

const HELP = `Usage:
  worv-proxy backends list          the backends in use (and those of VLLM_BASE_URL removed)
  worv-proxy backends add URL       use one more backend (an http(s) origin, e.g. http://10.0.0.5:8000)
  worv-proxy backends remove URL    take a backend out of use (its requests in flight finish)
Every gateway on the same store applies a change within about a second.
`;

export async function runBackends(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    checkHelpWord(sub);
    switch (sub) {
      case 'list':
        parseFlags(rest, {});
        return await withStore(list);
      case 'add': {
        const url = oneUrl('add', rest);
        const checked = checkBackendUrl(url);
        if (!checked.ok) throw new UsageError(`backends add: ${checked.message}`);
        return await withStore((store, env) => add(store, env, checked.url));
      }
      case 'remove':
        return await withStore((store, env) => remove(store, env, oneUrl('remove', rest)));
      default:
        throw new UsageError(sub === undefined ? 'backends: missing subcommand' : `backends: unknown subcommand ${JSON.stringify(sub)}`);
    }
  } catch (err) {
    if (err instanceof UsageError) return reportUsageError(err, HELP);
    throw err;
  }
}

function oneUrl(verb: string, argv: string[]): string {
  const { positionals } = parseFlags(argv, {}, true);
  const [url, extra] = positionals;
  if (url === undefined || extra !== undefined) throw new UsageError(`backends ${verb}: exactly one URL is required`);
  return url.trim();
}

async function withStore(fn: (store: Store, env: readonly string[]) => Promise<number>): Promise<number> {
  const config = loadConfigOrExit();
  const store = await openCliStore(config.database);
  try {
    return await fn(store, config.backends);
  } finally {
    await store.close();
  }
}

async function add(store: Store, env: readonly string[], url: string): Promise<number> {
  if ((await addBackend(store.db, env, url, isoTime(systemClock.now()))) === 'exists') {
    process.stderr.write(`worv-proxy: ${backendRefusal.exists(url)}\n`);
    return 1;
  }
  const restored = backendSource(env)(url) === 'env';
  process.stdout.write(
    restored
      ? `Added backend ${url} back: its removal is undone. Gateways whose VLLM_BASE_URL lists it use it again within a second.\n`
      : `Added backend ${url}. Gateways use it within a second.\n`,
  );
  return 0;
}

async function remove(store: Store, env: readonly string[], raw: string): Promise<number> {
  const changes = await listBackendChanges(store.db);
  const configured = effectiveBackends(env, changes).some((u) => backendKey(u) === backendKey(raw));
  const checked = checkBackendUrl(raw);
  if (!configured && !checked.ok) throw new UsageError(`backends remove: ${checked.message}`);
  const url = configured ? raw : (checked as { url: string }).url;
  const res = await removeBackend(store.db, env, url, isoTime(systemClock.now()));
  if (res.outcome !== 'removed') {
    // The gateway's own backends come from its VLLM_BASE_URL, which this shell may not have.
    const hint = ` (the backends of VLLM_BASE_URL here: ${env.join(', ')}; give the command the gateway's VLLM_BASE_URL)`;
    process.stderr.write(`worv-proxy: ${res.outcome === 'unknown' ? backendRefusal.unknown(url) + hint : backendRefusal.last}\n`);
    return 1;
  }
  process.stdout.write(`Removed backend ${res.url}. Gateways send it no new request within a second; requests in flight finish.\n`);
  return 0;
}

async function list(store: Store, env: readonly string[]): Promise<number> {
  const changes = await listBackendChanges(store.db);
  const inUse = effectiveBackends(env, changes);
  const envKeys = new Set(env.map(backendKey));
  const removedEnv = env.filter((u) => !inUse.some((x) => backendKey(x) === backendKey(u)));
  const rows = [
    ...inUse.map((u) => [u, envKeys.has(backendKey(u)) ? 'env' : 'added', 'in use']),
    ...removedEnv.map((u) => [u, 'env', 'removed']),
  ];
  const header = ['URL', 'SOURCE', 'STATE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  process.stdout.write([line(header), ...rows.map(line)].join('\n') + '\n');
  return 0;
}
