/**
 * `worv-proxy <command>`: maps argv to a command module. No business logic here;
 * commands are loaded lazily so `keys list` does not load the simulator or the benchmark.
 */
import { isStoreUnavailable } from '../store/unavailable.js';
import { usageLine, HELP } from './help.js';
import { causeOf } from './startup-error.js';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: async () => (await import('./commands/serve.js')).runServe,
  keys: async () => (await import('./commands/keys.js')).runKeys,
  backends: async () => (await import('./commands/backends.js')).runBackends,
  store: async () => (await import('./commands/store.js')).runStore,
  admin: async () => (await import('./commands/admin.js')).runAdmin,
  simulate: async () => (await import('./commands/simulate.js')).runSimulate,
  'gpu-agent': async () => (await import('./commands/gpu-agent.js')).runGpuAgent,
  bench: async () => (await import('./commands/bench.js')).runBench,
  demo: async () => (await import('./commands/demo.js')).runDemo,
};

/** Run the CLI; resolves to the process exit code (2 for usage errors). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    const { GATEWAY_VERSION } = await import('../server/version.js');
    process.stdout.write(`${GATEWAY_VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    process.stderr.write(`worv-proxy: unknown command ${JSON.stringify(name)}\n${usageLine()}\n\n${HELP}`);
    return 2;
  }
  const run = await load();
  try {
    return await run(rest);
  } catch (err) {
    // The store went away or is locked mid-command: one line, as at start-up, not a stack trace.
    if (!isStoreUnavailable(err)) throw err;
    process.stderr.write(`worv-proxy: the store is unavailable: ${causeOf(err)}. Each change is one transaction: nothing of it was applied; try again.\n`);
    return 1;
  }
}
