/**
 * The CLI's help text, and the usage-error convention shared by every command (exit 2).
 */

export const HELP = `worv-proxy — OpenAI- and Anthropic-compatible gateway for vLLM

Usage: worv-proxy <command> [options]

Commands:
  serve                                     run the gateway (what \`npm start\` runs)
  keys create --name NAME [--key KEY]       create an API key; the full key is the last stdout line
                                            (limits: --rpm --tpm --concurrency --daily-tokens
                                            --monthly-tokens --models --expires --priority)
  keys update ID [limit flags]              change a key's limits (\`none\` clears one)
  keys list                                 list keys (never the full key)
  keys deactivate ID | keys activate ID     stop a key working / let it work again
  keys delete ID                            delete a key and its usage history
  backends list | add URL | remove URL      the backends in use; add or remove one at run time
                                            (every gateway on the store applies it within a second)
  store copy --to URL [--without-request-log]
                                            copy this store (DATABASE_URL) into a new, empty one,
                                            e.g. SQLite into Postgres for several replicas
  admin set-password --username U --password P
                                            create or update an admin console user
  simulate [--port 8000] [--model NAME]     run the vLLM simulator (see docs/simulator.md)
  gpu-agent --url URL --key KEY [--interval 5]
                                            post nvidia-smi readings to a gateway
  bench [options]                           run the benchmark (see docs/benchmark.md)
  demo                                      start simulator + gateway and print a ready curl

Configuration is read from the environment (see README.md, "Configuration").
`;

export function usageLine(): string {
  return 'Run `worv-proxy help` for usage.';
}

/** A bad invocation: the command prints the message and help, and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `--help` / `-h` (or a `help` subcommand): not an error; the command prints its help and exits 0. */
export class HelpRequested extends UsageError {
  constructor() {
    super('help requested');
    this.name = 'HelpRequested';
  }
}

const HELP_WORDS = new Set(['--help', '-h', 'help']);

/** Throws HelpRequested when `word` (a subcommand position) asks for help. */
export function checkHelpWord(word: string | undefined): void {
  if (word !== undefined && HELP_WORDS.has(word)) throw new HelpRequested();
}

/** Print a usage error with help to stderr and return 2; help that was asked for goes to stdout with 0. */
export function reportUsageError(err: UsageError, commandHelp: string): number {
  if (err instanceof HelpRequested) {
    process.stdout.write(commandHelp);
    return 0;
  }
  process.stderr.write(`worv-proxy: ${err.message}\n\n${commandHelp}`);
  return 2;
}
