// Starts `worv-proxy serve` from the TypeScript sources as a child process, for the tests that
// need a real process (signals, exit codes, start-up output, a crash).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

const ENTRY = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));



export interface ServeProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** The URL it printed it listens on. */
  readonly url: string;
  /** Its stdout so far. */
  output(): string;
  /** Resolves with the exit code and signal when it exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `serve` with `env` (over a bare PATH) and resolves once it printed where it listens
 * and `ready(stdout)` holds; rejects with its output if it exits first.
 */
export async function spawnServe(
  env: Record<string, string>,
  ready: (out: string) => boolean = () => true,
  /** Extra node options, after tsx's (e.g. another `--import`). */
  nodeArgs: readonly string[] = [],
): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, ENTRY, 'serve'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  // Spawned inside a test: a process the test did not stop (it failed midway) is killed when
  // the test ends. Outside a test (a beforeAll), the suite's own afterAll stops it.
  try {
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
  } catch {
    // not inside a test
  }
  let out = '';
  child.stdout.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: string) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1] !== undefined && ready(out)) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited early with ${String(code)}: ${out}`)));
  });
  return { child, url, output: () => out, exited };
}
