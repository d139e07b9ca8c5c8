/**
 * `worv-proxy bench --fleet` from the command line: the compiled CLI runs every process, the
 * run's logs and JSON go under bench-results/ (`--out` for the JSON).
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from './fleet.js';
import type { BenchOptions } from './options.js';
import { defaultFleetBench, runFleetBench } from './routing-bench.js';
import { benchDatabase, createBenchKey, processLauncher } from './replica-set.js';

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
}

export async function runFleet(o: BenchOptions, argv: readonly string[], log: (line: string) => void): Promise<{ text: string; jsonPath: string }> {
  const cliPath = join(PROJECT_ROOT, 'bin', 'worv-proxy.js');
  if (!existsSync(join(PROJECT_ROOT, 'dist', 'cli', 'main.js'))) throw new Error('the benchmark runs the compiled gateway: run `npm run build` first');
  const name = `fleet-${stamp(new Date())}`;
  const runDir = join(PROJECT_ROOT, 'bench-results', name);
  const options = defaultFleetBench(o.fleetSessions, o.fleetTurns, o.model, o.fleetMaxNumSeqs);
  const cli = { command: process.execPath, args: [cliPath] };
  const logDir = join(runDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const databaseUrl = benchDatabase(runDir);
  const key = await createBenchKey(cli, databaseUrl);
  const launch = processLauncher({ cli, settings: options.settings, databaseUrl, key, logDir });
  const outcome = await runFleetBench(options, launch, runDir, log);
  const jsonPath = o.out ?? join(PROJECT_ROOT, 'bench-results', `${name}.json`);
  await copyFile(join(runDir, 'fleet.json'), jsonPath);
  const command = `worv-proxy bench ${argv.join(' ')}`.trimEnd();
  return { text: `command: ${command}\n${outcome.text}\n\nlogs: ${logDir}`, jsonPath };
}
