/**
 * Starting and stopping the benchmark's child processes: optionally pinned to CPU cores with
 * `taskset` (which execs, so the PID we hold is the measured process), output captured to a
 * log file, readiness awaited by connecting to the port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

/** A running child process. */
export interface Proc {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly logPath: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Where and how a process runs: its cores, its open-files limit, its scheduling priority. */
export interface Placement {
  /** A taskset CPU list (`0`, `1`, `2-3`); undefined = not pinned. */
  readonly cpus?: string | undefined;
  /** Raise the soft open-files limit to this (at most the hard limit) before exec. */
  readonly nofile?: number | undefined;
  /** A nice value (negative needs CAP_SYS_NICE); undefined = inherit. */
  readonly nice?: number | undefined;
}

export interface ProcSpec extends Placement {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly logDir: string;
  readonly cwd?: string;
}

let tasksetPath: string | null | undefined;

/** The taskset binary, or undefined when it is missing (processes then run unpinned). */
export function findTaskset(): string | undefined {
  if (tasksetPath === undefined) {
    tasksetPath = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p)) ?? null;
  }
  return tasksetPath ?? undefined;
}

/**
 * The command line that runs `argv` with `p` applied. taskset, nice and
 * `sh -c 'ulimit -n N && exec "$@"'` all exec, so the PID is the measured process's own.
 */
export function placed(argv: readonly string[], p: Placement): string[] {
  let out = [...argv];
  if (p.nofile !== undefined) out = ['/bin/sh', '-c', `ulimit -n ${Math.floor(p.nofile)} && exec "$@"`, 'sh', ...out];
  if (p.nice !== undefined) out = ['nice', '-n', String(p.nice), ...out];
  const taskset = p.cpus === undefined ? undefined : findTaskset();
  if (taskset !== undefined) out = [taskset, '-c', p.cpus as string, ...out];
  return out;
}

/** Spawns a process (placed as asked), its output going to `<logDir>/<name>.log`. */
export function startProcess(spec: ProcSpec): Proc {
  const [cmd = spec.command, ...args] = placed([spec.command, ...spec.args], spec);
  const logPath = join(spec.logDir, `${spec.name}.log`);
  const log = createWriteStream(logPath);
  const child = spawn(cmd, args, {
    env: { ...process.env, ...spec.env },
    cwd: spec.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      log.end();
      resolve(code ?? signal ?? 'unknown');
    });
  });
  if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
  const pid = child.pid;
  return {
    name: spec.name,
    pid,
    child,
    logPath,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a command to completion; resolves with its exit code and output. */
export function runToEnd(command: string, args: readonly string[], env?: Readonly<Record<string, string>>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Resolves once 127.0.0.1:port accepts a connection; rejects after `timeoutMs` or if `proc` exits. */
export async function waitForPort(port: number, proc: Proc, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  void proc.exited.then(() => (dead = true));
  for (;;) {
    if (dead) throw new Error(`${proc.name} exited during start-up (see ${proc.logPath})`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host: '127.0.0.1' });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${proc.name} did not listen on port ${port} within ${timeoutMs} ms (see ${proc.logPath})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A port that was free a moment ago (the kernel picks it; we close and hand it on). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Parses the "Max open files" line of /proc/PID/limits. */
export function parseOpenFilesLimit(limits: string): { soft: number; hard: number } | undefined {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  if (m === null) return undefined;
  const n = (s: string | undefined): number => (s === 'unlimited' ? 1_048_576 : Number(s));
  return { soft: n(m[1]), hard: n(m[2]) };
}

/** This process's open-files limits (children inherit them); 1024/1024 when unreadable. */
export function openFilesLimit(): { soft: number; hard: number } {
  try {
    return parseOpenFilesLimit(readFileSync('/proc/self/limits', 'utf8')) ?? { soft: 1024, hard: 1024 };
  } catch {
    return { soft: 1024, hard: 1024 };
  }
}
