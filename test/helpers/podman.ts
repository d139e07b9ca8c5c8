// Podman for the container test: the invocation these machines need (runc, cgroupfs, no
// default ulimits), a reason when it cannot run, and a stand-in for base images that cannot
// be pulled (this machine's node binary on a minimal root fs).
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PREFIX = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];

let confFile: string | undefined;
function env(): NodeJS.ProcessEnv {
  if (confFile === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'worv-podman-'));
    confFile = join(dir, 'containers.conf');
    writeFileSync(confFile, '[containers]\ndefault_ulimits = []\n');
  }
  return { ...process.env, CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? confFile };
}

/** Runs podman; rejects with its stderr. */
export async function podman(args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const { stdout } = await run('podman', [...PREFIX, ...args], { env: env(), timeout: opts.timeoutMs ?? 300_000, maxBuffer: 64 << 20 });
  return stdout;
}

/** Podman with stdin from a shell pipeline (for `import -`). */
export async function podmanImport(tarCommand: string, tag: string): Promise<void> {
  await run('sh', ['-c', `${tarCommand} | podman ${PREFIX.join(' ')} import - ${tag}`], { env: env(), timeout: 300_000, maxBuffer: 64 << 20 });
}

/** Why podman cannot run containers here, or undefined when it can. */
export function podmanUnavailable(): string | undefined {
  const which = spawnSync('sh', ['-c', 'command -v podman && command -v runc'], { encoding: 'utf8' });
  if (which.status !== 0) return 'podman or runc is not installed';
  const info = spawnSync('podman', [...PREFIX, 'info', '--format', '{{.Host.OCIRuntime.Name}}'], { encoding: 'utf8', env: env(), timeout: 60_000 });
  if (info.status !== 0) return `podman cannot run here: ${(info.stderr || info.stdout).trim().split('\n').pop() ?? ''}`;
  return undefined;
}

function libsOf(binary: string): string[] {
  const out = spawnSync('ldd', [binary], { encoding: 'utf8' }).stdout ?? '';
  return [...out.matchAll(/(\/\S+\.so[^\s]*)/g)].map((m) => m[1] as string);
}

/**
 * Tags a stand-in for the Node base image: the running node binary as /usr/local/bin/node,
 * dash as /bin/sh, mkdir and chown, their libraries, and a `node` user (uid 1000) as in
 * the official image. The tag should name the running Node version (native modules in
 * node_modules are built for it); left alone if an image with that name exists.
 */
export async function ensureNodeBase(tag: string): Promise<void> {
  const exists = spawnSync('podman', [...PREFIX, 'image', 'exists', tag], { env: env() });
  if (exists.status === 0) return;
  const root = mkdtempSync(join(tmpdir(), 'worv-base-'));
  try {
    const put = (src: string, dest: string) => {
      mkdirSync(join(root, dirname(dest)), { recursive: true });
      copyFileSync(src, join(root, dest));
    };
    const bins: [string, string][] = [[process.execPath, '/usr/local/bin/node'], ['/usr/bin/dash', '/bin/sh'], ['/usr/bin/mkdir', '/bin/mkdir'], ['/usr/bin/chown', '/bin/chown']];
    for (const [src, dest] of bins) {
      put(src, dest);
      for (const lib of libsOf(src)) put(lib, lib);
    }
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    symlinkSync('/usr/local/bin/node', join(root, 'usr/bin/node'));
    for (const d of ['tmp', 'etc', 'root', 'home/node', 'proc', 'sys', 'dev']) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n');
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
    writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
    await podmanImport(`tar -C ${root} -c .`, tag);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
