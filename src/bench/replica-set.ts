/**
 * The processes of one fleet-benchmark run: N simulator replicas of one model (each its own
 * prefix cache) and a gateway in front of them with the run's routing settings. A replica can
 * be killed (SIGKILL, its connections cut as when vLLM dies), started again on its port, and
 * hung or resumed (SIGUSR1 toggles the simulator's hung mode while it keeps answering
 * /health and /metrics).
 */
import { join } from 'node:path';
import { freePort, runToEnd, startProcess, waitForPort, type Proc, type ProcSpec } from './processes.js';

/** How to run the CLI: `node bin/worv-proxy.js` for the benchmark, the TypeScript sources in tests. */
export interface CliCommand {
  readonly command: string;
  readonly args: readonly string[];
}

/** Simulator settings shared by every replica (docs/fleet.md, "The fleet benchmark"). */
export interface ReplicaSettings {
  readonly model: string;
  readonly prefillMsPerKTok: number;
  readonly ttftMs: number;
  readonly tokens: number;
  readonly itlMs: number;
  readonly prefixCacheBlocks: number;
  /** vLLM's --max-num-seqs of each replica (0: no limit). */
  readonly maxNumSeqs: number;
}

export interface ReplicaSet {
  readonly urls: readonly string[];
  readonly gatewayPort: number;
  /** The gateway's process (its CPU time is read from /proc). */
  readonly gatewayPid: number;
  /** `Bearer <key>` for the gateway. */
  readonly authorization: string;
  kill(i: number): Promise<void>;
  restart(i: number): Promise<void>;
  /** Toggles replica i's hung mode. */
  toggleHung(i: number): void;
  close(): Promise<void>;
}

/** What one run asks for: `replicas` replicas and a gateway with `env` on top of the defaults. */
export interface LaunchSpec {
  /** Distinguishes this run's log files. */
  readonly label: string;
  readonly replicas: number;
  /** Prefix-cache blocks of each replica of this run. */
  readonly prefixCacheBlocks: number;
  /** Requests each replica of this run generates at once (0: no limit). */
  readonly maxNumSeqs: number;
  /** PROXY_ROUTING, PROXY_HUNG_SECONDS, PROXY_HEALTH_INTERVAL. */
  readonly env: Readonly<Record<string, string>>;
}

/** Starts a run's replicas and gateway (processes here; tests may run them in their own process). */
export type LaunchReplicas = (spec: LaunchSpec) => Promise<ReplicaSet>;

function simArgs(s: ReplicaSettings, port: number): string[] {
  return [
    'simulate', '--port', String(port), '--model', s.model, '--max-model-len', '1000000',
    '--prefix-cache-blocks', String(s.prefixCacheBlocks), '--prefill-ms-per-ktok', String(s.prefillMsPerKTok),
    '--ttft-ms', String(s.ttftMs), '--tokens', String(s.tokens), '--itl-ms', String(s.itlMs),
    '--no-reasoning', '--tool-calls', '0', '--enable-prompt-tokens-details',
    ...(s.maxNumSeqs > 0 ? ['--max-num-seqs', String(s.maxNumSeqs)] : []),
  ];
}

/** Creates the run's API key in `databaseUrl`; returns the full key. */
export async function createBenchKey(cli: CliCommand, databaseUrl: string): Promise<string> {
  const out = await runToEnd(cli.command, [...cli.args, 'keys', 'create', '--name', 'bench-fleet'], { DATABASE_URL: databaseUrl });
  const key = out.stdout.trim().split('\n').pop()?.trim() ?? '';
  if (out.code !== 0 || key === '') throw new Error(`keys create failed: ${out.stderr.trim()}`);
  return key;
}

/** Resolves once the gateway answers GET /v1/models with 200 (it has read a replica's listing). */
async function waitForModels(port: number, key: string, proc: Proc, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`the gateway exited during start-up (see ${proc.logPath})`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/models`, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(2000) });
      if (res.status === 200 && (await res.text()).includes('"id"')) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`the gateway did not list the model within ${timeoutMs} ms (see ${proc.logPath})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ProcessLauncherOptions {
  readonly cli: CliCommand;
  readonly settings: ReplicaSettings;
  readonly databaseUrl: string;
  readonly key: string;
  readonly logDir: string;
}

/** Every replica and the gateway as processes of the CLI. */
export function processLauncher(o: ProcessLauncherOptions): LaunchReplicas {
  return (spec) => startReplicaSet(o, spec);
}

async function startReplicaSet(o: ProcessLauncherOptions, run: LaunchSpec): Promise<ReplicaSet> {
  const procs: (Proc | undefined)[] = [];
  const ports: number[] = [];
  const spec = (i: number, n: number): ProcSpec => ({
    name: `${run.label}-replica${i}${n > 1 ? `-${n}` : ''}`,
    command: o.cli.command,
    args: [...o.cli.args, ...simArgs({ ...o.settings, prefixCacheBlocks: run.prefixCacheBlocks, maxNumSeqs: run.maxNumSeqs }, ports[i] as number)],
    logDir: o.logDir,
  });
  const starts = new Array<number>(run.replicas).fill(0);
  const launch = async (i: number): Promise<void> => {
    const n = (starts[i] ?? 0) + 1;
    starts[i] = n;
    const p = startProcess(spec(i, n));
    procs[i] = p;
    await waitForPort(ports[i] as number, p);
  };
  let gateway: Proc | undefined;
  const close = async (): Promise<void> => {
    await Promise.all([gateway, ...procs].map((p) => (p === undefined ? Promise.resolve() : p.stop(2000))));
  };
  try {
    for (let i = 0; i < run.replicas; i++) ports.push(await freePort());
    await Promise.all(ports.map((_, i) => launch(i)));
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    const gatewayPort = await freePort();
    gateway = startProcess({
      name: `${run.label}-gateway`,
      command: o.cli.command,
      args: [...o.cli.args, 'serve'],
      env: {
        HOST: '127.0.0.1', PORT: String(gatewayPort), NODE_ENV: 'production', DATABASE_URL: o.databaseUrl,
        VLLM_BASE_URL: urls.join(','), MAX_CONTEXT_TOKENS: '1000000', LOG_LEVEL: 'warn', ...run.env,
      },
      logDir: o.logDir,
    });
    await waitForPort(gatewayPort, gateway);
    await waitForModels(gatewayPort, o.key, gateway);
    const g = gateway;
    return {
      urls,
      gatewayPort,
      gatewayPid: g.pid,
      authorization: `Bearer ${o.key}`,
      async kill(i) {
        const p = procs[i];
        procs[i] = undefined;
        if (p === undefined) return;
        p.child.kill('SIGKILL');
        await p.exited;
      },
      restart: (i) => launch(i),
      toggleHung(i) {
        procs[i]?.child.kill('SIGUSR1');
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The SQLite database of a benchmark run. */
export function benchDatabase(runDir: string): string {
  return `sqlite:${join(runDir, 'fleet-gateway.db')}`;
}
