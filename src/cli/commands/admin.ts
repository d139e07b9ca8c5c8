/**
 * `worv-proxy admin set-password --username U (--password P | --password-stdin)`: creates an
 * admin console user or sets its password (scrypt-hashed in the store). Changing a password
 * signs that user out everywhere.
 */
import { systemClock } from '../../core/clock.js';
import { MIN_PASSWORD_LENGTH, setAdminPassword, USERNAME_PATTERN } from '../../control-plane/admin-account.js';
import { openCliStore } from '../open-cli-store.js';
import { parseFlags } from '../args.js';
import { checkHelpWord, reportUsageError, UsageError } from '../help.js';
import { loadConfigOrExit } from '../load-config.js';

const HELP = `Usage:
  worv-proxy admin set-password --username USER --password PASSWORD
  worv-proxy admin set-password --username USER --password-stdin

Creates the admin console user USER, or sets its password (at least ${MIN_PASSWORD_LENGTH} characters).
--password-stdin reads the password from the first line of standard input, which keeps it
out of the shell history and the process list.
`;

async function readStdinLine(): Promise<string> {
  let data = '';
  for await (const chunk of process.stdin) {
    data += String(chunk);
    if (data.includes('\n')) break;
  }
  return data.split(/\r?\n/)[0] ?? '';
}

async function credentials(argv: string[]): Promise<{ username: string; password: string }> {
  const { values } = parseFlags(argv, { username: { type: 'string' }, password: { type: 'string' }, 'password-stdin': { type: 'boolean' } });
  const username = values.username?.trim();
  if (username === undefined || username === '') throw new UsageError('admin set-password: --username is required');
  if (!USERNAME_PATTERN.test(username)) throw new UsageError('admin set-password: --username may use letters, digits and . _ @ - (at most 64)');
  const fromStdin = values['password-stdin'] === true;
  if (fromStdin === (values.password !== undefined)) throw new UsageError('admin set-password: give exactly one of --password or --password-stdin');
  const password = fromStdin ? await readStdinLine() : (values.password ?? '');
  if (password.length < MIN_PASSWORD_LENGTH) throw new UsageError(`admin set-password: the password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  return { username, password };
}

export async function runAdmin(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  let creds: { username: string; password: string };
  try {
    checkHelpWord(sub);
    if (sub !== 'set-password') throw new UsageError(sub === undefined ? 'admin: missing subcommand' : `admin: unknown subcommand ${JSON.stringify(sub)}`);
    creds = await credentials(rest);
  } catch (err) {
    if (err instanceof UsageError) return reportUsageError(err, HELP);
    throw err;
  }
  const config = loadConfigOrExit();
  const store = await openCliStore(config.database);
  try {
    const outcome = await setAdminPassword(store, systemClock, creds.username, creds.password);
    const message = {
      created: `Admin user ${creds.username} created.`,
      updated: `Password of admin user ${creds.username} updated; their console sessions were signed out.`,
      unchanged: `Admin user ${creds.username} already has this password; nothing changed.`,
    }[outcome];
    process.stdout.write(`${message}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
