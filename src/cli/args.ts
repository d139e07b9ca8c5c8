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
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, options), allowPositionals, options, strict: true, tokens: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  refuseRepeated(parsed.tokens);
  return parsed;
}

/** A flag given twice is a mistake (parseArgs would keep the last value without a word). */
export function refuseRepeated(tokens: readonly { kind: string; name?: string; rawName?: string }[]): void {
  const seen = new Set<string>();
  for (const t of tokens) {
    if (t.kind !== 'option' || t.name === undefined) continue;
    if (seen.has(t.name)) throw new UsageError(`${t.rawName ?? `--${t.name}`} is given more than once`);
    seen.add(t.name);
  }
}

/**
 * `--rpm -5` as `--rpm=-5`: parseArgs refuses a value that starts with a dash as ambiguous, and
 * its message would hide the command's own ("--rpm must be a positive integer or none").
 */
export function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}
