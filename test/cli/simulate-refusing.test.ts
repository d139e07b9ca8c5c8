// `worv-proxy simulate` as a process: refusing mode (from --fault refuse or SIGUSR2) keeps the
// process alive, refusing connections until the next SIGUSR2.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ENTRY = fileURLToPath(new URL('../helpers/cli-entry.ts', import.meta.url));
const children: ReturnType<typeof spawn>[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function start(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'simulate', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  const waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of waiters.splice(0)) {
      const m = w.re.exec(out);
      if (m) w.resolve(m);
      else waiters.push(w);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (re: RegExp) => new Promise<RegExpExecArray>((resolve, reject) => {
    const m = re.exec(out);
    if (m) return resolve(m);
    waiters.push({ re, resolve });
    void exited.then((code) => reject(new Error(`simulate exited with ${String(code)}: ${out}`)));
  });
  return { child, waitFor, exited, output: () => out };
}

async function reachable(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`)).status === 200;
  } catch {
    return false;
  }
}

describe('worv-proxy simulate refusing mode', () => {
  it('--fault refuse starts refusing and stays up; SIGUSR2 toggles; SIGTERM exits 0', async () => {
    const sim = start(['--fault', 'refuse']);
    const url = (await sim.waitFor(/on (http:\/\/\S+) /))[1] as string;
    await sim.waitFor(/refusing connections/);
    expect(await reachable(url)).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.child.exitCode).toBeNull();

    sim.child.kill('SIGUSR2');
    await sim.waitFor(/accepting connections/);
    expect(await reachable(url)).toBe(true);

    sim.child.kill('SIGUSR2');
    await sim.waitFor(/accepting connections\nrefusing connections/);
    expect(await reachable(url)).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.child.exitCode).toBeNull();

    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
  });
});
