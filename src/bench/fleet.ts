/**
 * Starts everything one benchmark run needs, each in its own process: the simulator, the
 * reference proxies and the gateway instances (compiled JS, production settings), pinned per
 * the CPU layout; creates an API key in each gateway's database; and stops it all again.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CpuLayout } from './cpu-layout.js';
import { findNginx, writeNginxConfig } from './nginx.js';
import { freePort, runToEnd, startProcess, waitForPort, type Proc } from './processes.js';
import { resetPostgresDatabase } from './postgres.js';
import type { Target, TargetName } from './targets.js';

/** The project root (dist/bench/ → ../..). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(PROJECT_ROOT, 'bin', 'worv-proxy.js');
const HERE = fileURLToPath(new URL('.', import.meta.url));

/** Context window the gateways are told about, so the 10 MiB prompt fits (see docs/benchmark.md). */
const GATEWAY_MAX_CONTEXT_TOKENS = '16000000';

export interface FleetOptions {
  readonly want: ReadonlySet<TargetName>;
  readonly layout: CpuLayout;
  readonly runDir: string;
  readonly model: string;
  /** Base Postgres URL; the run uses a fresh database `worv_bench` on that server. */
  readonly pgUrl: string;
  /** Open-files limit for every child (at most the hard limit). */
  readonly nofile: number;
}

export interface Fleet {
  readonly simPort: number;
  readonly sim: Proc;
  readonly targets: ReadonlyMap<TargetName, Target>;
  /** Targets that could not be started, with the reason. */
  readonly skipped: ReadonlyMap<TargetName, string>;
  close(): Promise<void>;
}

const AUTH_PLACEHOLDER = 'Bearer wpk-bench-reference-0000000000000000000000000000000000000000';

/** Starts the simulator and every wanted target; a target that fails to start is skipped with a reason. */
export async function startFleet(o: FleetOptions): Promise<Fleet> {
  const logDir = join(o.runDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const procs: Proc[] = [];
  const targets = new Map<TargetName, Target>();
  const skipped = new Map<TargetName, string>();
  const close = async (): Promise<void> => {
    await Promise.all(procs.map((p) => p.stop()));
  };

  try {
    const simPort = await freePort();
    const sim = startProcess({
      name: 'simulator', command: process.execPath, args: [join(HERE, 'sim-server.js'), String(simPort), o.model],
      cpus: o.layout.backend, logDir, nofile: o.nofile,
    });
    procs.push(sim);
    await waitForPort(simPort, sim);
    const upstream = `http://127.0.0.1:${simPort}`;

    // Gateways first: their keys give the Authorization header every target is sent.
    const gatewayAuth = new Map<TargetName, string>();
    for (const name of ['gateway', 'gateway-han', 'gateway-pg'] as const) {
      if (!o.want.has(name)) continue;
      try {
        const env: Record<string, string> = {
          HOST: '127.0.0.1',
          VLLM_BASE_URL: upstream,
          NODE_ENV: 'production',
          MAX_CONTEXT_TOKENS: GATEWAY_MAX_CONTEXT_TOKENS,
          PROXY_STRIP_HAN: name === 'gateway-han' ? 'on' : 'off',
          DATABASE_URL: name === 'gateway-pg' ? await resetPostgresDatabase(o.pgUrl, 'worv_bench') : `sqlite:${join(o.runDir, `${name}.db`)}`,
        };
        const created = await runToEnd(process.execPath, [CLI, 'keys', 'create', '--name', `bench-${name}`], env);
        const key = created.stdout.trim().split('\n').pop()?.trim() ?? '';
        if (created.code !== 0 || key === '') throw new Error(`keys create failed: ${created.stderr.trim()}`);
        const port = await freePort();
        const proc = startProcess({ name, command: process.execPath, args: [CLI, 'serve'], env: { ...env, PORT: String(port) }, cpus: o.layout.proxy, logDir, nofile: o.nofile });
        procs.push(proc);
        await waitForPort(port, proc);
        gatewayAuth.set(name, `Bearer ${key}`);
        targets.set(name, { name, port, proc, headers: { authorization: `Bearer ${key}` } });
      } catch (err) {
        skipped.set(name, err instanceof Error ? err.message : String(err));
      }
    }
    // References get a header of the same shape, so every target forwards the same bytes.
    const refAuth = gatewayAuth.get('gateway') ?? gatewayAuth.values().next().value ?? AUTH_PLACEHOLDER;
    targets.set('direct', { name: 'direct', port: simPort, proc: undefined, headers: { authorization: refAuth } });

    if (o.want.has('node')) {
      const port = await freePort();
      const proc = startProcess({ name: 'node-passthrough', command: process.execPath, args: [join(HERE, 'passthrough.js'), String(port), upstream], cpus: o.layout.proxy, logDir, nofile: o.nofile });
      procs.push(proc);
      await waitForPort(port, proc);
      targets.set('node', { name: 'node', port, proc, headers: { authorization: refAuth } });
    }
    if (o.want.has('nginx')) {
      const nginx = findNginx();
      if (nginx === undefined) skipped.set('nginx', 'nginx is not installed (apt-get install nginx-light)');
      else {
        const port = await freePort();
        const prefix = join(o.runDir, 'nginx');
        const conf = await writeNginxConfig(prefix, port, simPort, Math.max(1024, o.nofile - 64));
        const proc = startProcess({ name: 'nginx', command: nginx, args: ['-p', prefix, '-e', join(prefix, 'error.log'), '-c', conf], cpus: o.layout.proxy, logDir, nofile: o.nofile });
        procs.push(proc);
        await waitForPort(port, proc);
        targets.set('nginx', { name: 'nginx', port, proc, headers: { authorization: refAuth } });
      }
    }
    return { simPort, sim, targets, skipped, close };
  } catch (err) {
    await close();
    throw err;
  }
}
