/**
 * `worv-proxy keys create|update|list|deactivate|activate|delete`: key management from the shell. The full key is
 * printed once, alone on the last stdout line, so scripts can take it with `tail -n1`.
 */
import { isoTime, systemClock } from '../../core/clock.js';
import { createApiKey, deleteApiKey, listApiKeys, updateApiKey } from '../../store/api-keys.repo.js';
import type { Store } from '../../store/db.js';
import { openCliStore } from '../open-cli-store.js';
import type { KeyPolicyChanges } from '../../store/key-policy.js';
import { parseFlags } from '../args.js';
import { checkHelpWord, reportUsageError, UsageError } from '../help.js';
import { loadConfigOrExit } from '../load-config.js';
import { MSG } from '../../core/messages.js';
import { expiresAlready, isExpired } from '../../core/limits.js';
import { POLICY_FLAGS, POLICY_USAGE, policyFromFlags, policySummary } from './keys-policy.js';

const HELP = `Usage:
  worv-proxy keys create --name NAME [--key KEY] ${POLICY_USAGE}
  worv-proxy keys update ID [--name NAME] ${POLICY_USAGE}
  worv-proxy keys list
  worv-proxy keys deactivate ID     (the key stops working; \`revoke\` is the same)
  worv-proxy keys activate ID       (it works again)
  worv-proxy keys delete ID         (the key and its usage history; deactivate keeps the history)
`;

export async function runKeys(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    checkHelpWord(sub);
    switch (sub) {
      case 'create': {
        const flags = createFlags(rest);
        return await withStore((store) => createKey(store, flags));
      }
      case 'update': {
        const flags = updateFlags(rest);
        return await withStore((store) => updateKey(store, flags));
      }
      case 'list':
        parseFlags(rest, {});
        return await withStore(listKeys);
      case 'deactivate':
      case 'revoke':
        return await withStore((store) => setActive(store, rest, false));
      case 'activate':
        return await withStore((store) => setActive(store, rest, true));
      case 'delete': {
        const id = oneId('delete', rest);
        return await withStore((store) => deleteKey(store, id));
      }
      default:
        throw new UsageError(sub === undefined ? 'keys: missing subcommand' : `keys: unknown subcommand ${JSON.stringify(sub)}`);
    }
  } catch (err) {
    if (err instanceof UsageError) return reportUsageError(err, HELP);
    throw err;
  }
}

async function withStore(fn: (store: Store) => Promise<number>): Promise<number> {
  const config = loadConfigOrExit();
  const store = await openCliStore(config.database);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Parse create's flags before touching the store, so usage errors never open it. */
function createFlags(argv: string[]): { name: string; key: string | undefined; policy: KeyPolicyChanges } {
  const { values } = parseFlags(argv, { name: { type: 'string' }, key: { type: 'string' }, ...POLICY_FLAGS });
  const name = checkName('keys create', values.name);
  if (name === undefined) throw new UsageError('keys create: --name is required');
  if (values.key !== undefined && values.key.trim() === '') throw new UsageError('keys create: --key must be non-empty');
  if (values.key !== undefined && values.key.trim().length < 20) throw new UsageError(`keys create: ${MSG.keyTooShort}`);
  const policy = policyFromFlags('keys create', values);
  if (expiresAlready(policy.expiresAt, systemClock.now())) {
    throw new UsageError(
      `keys create: --expires ${values.expires ?? ''} (${policy.expiresAt}) is not in the future: the key would be refused as expired from the start`,
    );
  }
  return { name, key: values.key, policy };
}

/** A `--name` as create and update take it: trimmed, non-empty, at most 120 characters. */
function checkName(command: string, given: string | undefined): string | undefined {
  if (given === undefined) return undefined;
  const name = given.trim();
  if (name === '') throw new UsageError(`${command}: --name must be non-empty`);
  if (name.length > 120) throw new UsageError(`${command}: --name must be at most 120 characters`);
  return name;
}

function oneId(verb: string, argv: string[]): string {
  const { positionals } = parseFlags(argv, {}, true);
  const [id, extra] = positionals;
  if (id === undefined || extra !== undefined) throw new UsageError(`keys ${verb}: exactly one key ID is required`);
  return id;
}

function updateFlags(argv: string[]): { id: string; name: string | undefined; policy: KeyPolicyChanges } {
  const { values, positionals } = parseFlags(argv, { name: { type: 'string' }, ...POLICY_FLAGS }, true);
  const [id, extra] = positionals;
  if (id === undefined || extra !== undefined) throw new UsageError('keys update: exactly one key ID is required');
  const name = checkName('keys update', values.name);
  const policy = policyFromFlags('keys update', values);
  if (name === undefined && Object.keys(policy).length === 0) throw new UsageError('keys update: nothing to change (give at least one flag)');
  return { id, name, policy };
}

async function updateKey(store: Store, { id, name, policy }: { id: string; name: string | undefined; policy: KeyPolicyChanges }): Promise<number> {
  if (!(await updateApiKey(store.db, id, { ...(name !== undefined ? { name } : {}), policy }))) {
    process.stderr.write(`worv-proxy: Key not found: ${id}\n`);
    return 1;
  }
  process.stdout.write(`Updated key ${id}. The change applies within a second.\n`);
  return 0;
}

async function deleteKey(store: Store, id: string): Promise<number> {
  if (!(await deleteApiKey(store.db, id))) {
    process.stderr.write(`worv-proxy: Key not found: ${id}\n`);
    return 1;
  }
  process.stdout.write(`Deleted key ${id} and its usage history. It stops working within a second.\n`);
  return 0;
}

async function createKey(store: Store, flags: { name: string; key: string | undefined; policy: KeyPolicyChanges }): Promise<number> {
  const { name, key: given } = flags;
  const created = await createApiKey(store.db, { name, key: given, createdAt: isoTime(systemClock.now()), policy: flags.policy });
  if (created === undefined) {
    process.stderr.write('worv-proxy: Key already exists\n');
    return 1;
  }
  process.stdout.write(`Created key ${created.id} (${name}). Store it now; it is not shown again:\n${created.key}\n`);
  return 0;
}

async function listKeys(store: Store): Promise<number> {
  const keys = await listApiKeys(store.db);
  if (keys.length === 0) {
    process.stdout.write('No keys. Create one with: worv-proxy keys create --name NAME\n');
    return 0;
  }
  const now = systemClock.now();
  const rows = keys.map((k) => [
    k.id,
    k.keyPrefix + '…',
    // An active key past its expiry is refused on /v1 all the same (401 API key expired).
    !k.isActive ? 'inactive' : isExpired(k.policy, now) ? 'expired' : 'active',
    // A name with a line break or another control character keeps its row on one line.
    k.name.replace(/\p{Cc}/gu, (c) => JSON.stringify(c).slice(1, -1)),
    k.createdAt,
    k.lastUsedAt ?? '-',
    String(k.usage.requests),
    String(k.usage.promptTokens + k.usage.completionTokens),
    policySummary(k.policy),
  ]);
  const header = ['ID', 'PREFIX', 'STATE', 'NAME', 'CREATED', 'LAST USED', 'REQUESTS', 'TOKENS', 'LIMITS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  process.stdout.write([line(header), ...rows.map(line)].join('\n') + '\n');
  return 0;
}

/** Deactivate or activate: the console's words (its Deactivate / Activate buttons, Inactive badge). */
async function setActive(store: Store, argv: string[], active: boolean): Promise<number> {
  const id = oneId(active ? 'activate' : 'deactivate', argv);
  if (!(await updateApiKey(store.db, id, { isActive: active }))) {
    process.stderr.write(`worv-proxy: Key not found: ${id}\n`);
    return 1;
  }
  process.stdout.write(active ? `Activated key ${id}. It works again within a second.\n` : `Deactivated key ${id}. It stops working within a second.\n`);
  return 0;
}
