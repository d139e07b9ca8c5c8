/**
 * Starts everything one benchmark run needs, each in its own process: the simulator, the
 * reference proxies and the gateway instances (compiled JS, production settings), pinned per
 * the CPU layout; creates an API key in each gateway's database; restarts a target on demand
 * (a fresh process for the memory baseline); and stops it all again.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNginx, writeNginxConfig } from './nginx.js';
import { freePort, runToEnd, startProcess, waitForPort, type Placement, type Proc, type ProcSpec } from './processes.js';
import { startOtlpSink, type OtlpSink } from './otlp-sink.js';
import { resetPostgresDatabase } from './postgres.js';
import type { Target, TargetName } from './targets.js';

/** The project root (dist/bench/ → ../..). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(PROJECT_ROOT, 'bin', 'worv-proxy.js');
const HERE = fileURLToPath(new URL('.', import.meta.url));

/**
 * Context window of the simulator and of the gateways, so the 10 MiB prompt of case 4
 * (≈ 2.6 M simulator tokens, ≈ 3.5 M by the gateway's estimate) fits (docs/benchmark.md).
 */
const MAX_CONTEXT_TOKENS = '16000000';

export interface FleetOptions {
  readonly want: ReadonlySet<TargetName>;
  readonly placement: Readonly<Record<'proxy' | 'backend', Placement>>;
  readonly runDir: string;
  readonly model: string;
  /** Base Postgres URL; the run uses a fresh database `worv_bench` on that server. */
  readonly pgUrl: string;
  /** Redis of the `gateway-limits-redis` target (default redis://127.0.0.1:6379). */
  readonly redisUrl?: string;
  /** Open-files limit of the proxies (sizes nginx's worker_connections). */
  readonly nofile: number;
  /** Extra Node flags for the Node proxies, gateway and pass-through (e.g. --cpu-prof). */
  readonly nodeFlags: readonly string[];
  /** Node flags for the gateways only, after `nodeFlags`. */
  readonly gatewayNodeFlags?: readonly string[];
}

/** A proxy process the fleet started, for matching profiles and logs to targets. */
export interface Launch {
  readonly target: TargetName;
  readonly pid: number;
  readonly logPath: string;
  /** Why it was started: `start`, or what the restart was for. */
  readonly why: string;
}

export interface Fleet {
  readonly simPort: number;
  readonly sim: Proc;
  /** Current targets; `restart` replaces an entry. */
  readonly targets: ReadonlyMap<TargetName, Target>;
  /** Targets that could not be started, with the reason. */
  readonly skipped: ReadonlyMap<TargetName, string>;
  /** Every proxy process started, in order. */
  readonly launches: readonly Launch[];
  /** Stops a target's process and starts a fresh one on the same port; `why` goes into `launches`. */
  restart(name: TargetName, why: string): Promise<Target>;
  close(): Promise<void>;
}

/**
 * Every limit set, high enough never to refuse the benchmark's load: the cost measured is the
 * admission and settle of each request, not refusals.
 */
function limitFlags(model: string): string[] {
  return [
    '--rpm', '1000000000', '--tpm', '1000000000000', '--concurrency', '100000', '--daily-tokens', '1000000000000000',
    '--monthly-tokens', '1000000000000000', '--models', model, '--expires', '2099-01-01T00:00:00Z', '--priority', 'high',
  ];
}

const AUTH_PLACEHOLDER = 'Bearer wpk-bench-reference-0000000000000000000000000000000000000000';

/** Starts the simulator and every wanted target; a target that fails to start is skipped with a reason. */
export async function startFleet(o: FleetOptions): Promise<Fleet> {
  const logDir = join(o.runDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const procs = new Set<Proc>();
  const specs = new Map<TargetName, ProcSpec>();
  const targets = new Map<TargetName, Target>();
  const skipped = new Map<TargetName, string>();
  let sink: OtlpSink | undefined;
  const close = async (): Promise<void> => {
    await Promise.all([...procs].map((p) => p.stop()));
    await sink?.close();
  };
  const launches: Launch[] = [];
  const launch = async (name: TargetName, spec: ProcSpec, port: number, headers: Record<string, string>, why = 'start'): Promise<Target> => {
    const n = launches.filter((l) => l.target === name).length + 1;
    const proc = startProcess({ ...spec, name: n === 1 ? spec.name : `${spec.name}-${n}` });
    launches.push({ target: name, pid: proc.pid, logPath: proc.logPath, why });
    procs.add(proc);
    void proc.exited.then(() => procs.delete(proc));
    await waitForPort(port, proc);
    const t: Target = { name, port, proc, headers };
    specs.set(name, spec);
    targets.set(name, t);
    return t;
  };

  try {
    const simPort = await freePort();
    // The request log is off by default in `worv-proxy simulate`: the fastest setting.
    const sim = startProcess({
      name: 'simulator', command: process.execPath,
      args: [CLI, 'simulate', '--port', String(simPort), '--model', o.model, '--max-model-len', MAX_CONTEXT_TOKENS],
      ...o.placement.backend, logDir,
    });
    procs.add(sim);
    await waitForPort(simPort, sim);
    const upstream = `http://127.0.0.1:${simPort}`;

    // Gateways first: their keys give the Authorization header every target is sent.
    let refAuth: string | undefined;
    for (const name of ['gateway', 'gateway-han', 'gateway-pg', 'gateway-limits', 'gateway-limits-redis', 'gateway-otel', 'gateway-nolog'] as const) {
      if (!o.want.has(name)) continue;
      try {
        if (name === 'gateway-otel') sink ??= await startOtlpSink();
        const env: Record<string, string> = {
          HOST: '127.0.0.1',
          VLLM_BASE_URL: upstream,
          NODE_ENV: 'production',
          MAX_CONTEXT_TOKENS,
          PROXY_STRIP_HAN: name === 'gateway-han' ? 'on' : 'off',
          DATABASE_URL: name === 'gateway-pg' ? await resetPostgresDatabase(o.pgUrl, 'worv_bench') : `sqlite:${join(o.runDir, `${name}.db`)}`,
          ...(name === 'gateway-limits-redis' ? { REDIS_URL: o.redisUrl ?? 'redis://127.0.0.1:6379', PROXY_LIMITS_FAIL_OPEN: 'off' } : {}),
          ...(name === 'gateway-otel' && sink !== undefined ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } : {}),
          ...(name === 'gateway-nolog' ? { REQUEST_LOG_DAYS: '0' } : {}),
        };
        const limited = name === 'gateway-limits' || name === 'gateway-limits-redis' ? limitFlags(o.model) : [];
        const created = await runToEnd(process.execPath, [CLI, 'keys', 'create', '--name', `bench-${name}`, ...limited], env);
        const key = created.stdout.trim().split('\n').pop()?.trim() ?? '';
        if (created.code !== 0 || key === '') throw new Error(`keys create failed: ${created.stderr.trim()}`);
        const port = await freePort();
        const spec: ProcSpec = {
          name, command: process.execPath, args: [...o.nodeFlags, ...(o.gatewayNodeFlags ?? []), CLI, 'serve'], env: { ...env, PORT: String(port) },
          ...o.placement.proxy, logDir,
        };
        await launch(name, spec, port, { authorization: `Bearer ${key}` });
        refAuth ??= `Bearer ${key}`;
      } catch (err) {
        skipped.set(name, err instanceof Error ? err.message : String(err));
      }
    }
    // References get a header of the same shape, so every target forwards the same bytes.
    const auth = { authorization: refAuth ?? AUTH_PLACEHOLDER };
    targets.set('direct', { name: 'direct', port: simPort, proc: undefined, headers: auth });

    if (o.want.has('node')) {
      const port = await freePort();
      await launch('node', {
        name: 'node-passthrough', command: process.execPath, args: [...o.nodeFlags, join(HERE, 'passthrough.js'), String(port), upstream],
        ...o.placement.proxy, logDir,
      }, port, auth);
    }
    if (o.want.has('nginx')) {
      const nginx = findNginx();
      if (nginx === undefined) skipped.set('nginx', 'nginx is not installed (apt-get install nginx-light)');
      else {
        const port = await freePort();
        const prefix = join(o.runDir, 'nginx');
        const conf = await writeNginxConfig(prefix, port, simPort, Math.max(1024, o.nofile - 64));
        await launch('nginx', {
          name: 'nginx', command: nginx, args: ['-p', prefix, '-e', join(prefix, 'error.log'), '-c', conf],
          ...o.placement.proxy, logDir,
        }, port, auth);
      }
    }
    return {
      simPort,
      sim,
      targets,
      skipped,
      launches,
      close,
      async restart(name, why) {
        const t = targets.get(name);
        const spec = specs.get(name);
        if (t === undefined || spec === undefined || t.proc === undefined) throw new Error(`${name} is not running`);
        await t.proc.stop();
        return launch(name, spec, t.port, { ...t.headers }, why);
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
