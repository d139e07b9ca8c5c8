/**
 * Minimal flag parsing for the CLI commands, on top of node:util parseArgs, turning its
 * errors into UsageError (exit 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HelpRequested, UsageError } from './help.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parse `argv` strictly with string/boolean options; unknown flags are usage errors. */
export function parseFlags<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  // Every command answers --help / -h, whatever its other flags.
  if (!('help' in options) && argv.some((a) => a === '--help' || a === '-h')) throw new HelpRequested();
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}
