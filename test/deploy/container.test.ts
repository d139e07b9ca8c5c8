// Builds the Dockerfile's final stage with podman and runs the image in front of the
// simulator: /healthz answers, /v1/models is 401 without a key and 200 with one made by the
// image's own CLI, the image runs as `node` with a HEALTHCHECK that passes. The base image
// and the build stage are stand-ins (no registry or compiler here): the base is the running
// node binary on a minimal root fs (tagged per Node version and passed as NODE_IMAGE, since
// node_modules' native modules are built for that version), the build stage this
// checkout's build with its production dependencies. Skipped, with the reason printed, where podman cannot run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { ensureNodeBase, podman, podmanImport, podmanUnavailable } from '../helpers/podman.js';

const ROOT = resolve(import.meta.dirname, '../..');
const reason = podmanUnavailable();
if (reason !== undefined) console.warn(`[skip container] ${reason}`);

const DOCKERFILE_BASE = /^ARG NODE_IMAGE=(\S+)$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1] ?? '';
const BASE = `localhost/${DOCKERFILE_BASE.split(':')[0] ?? 'node'}-standin:${process.version}`;
const ID = `${process.pid}-${Date.now()}`;
const BUILT = `localhost/worv-proxy-built-standin:${ID}`;
const IMAGE = `localhost/worv-proxy-test:${ID}`;
const NAME = `worv-proxy-test-${ID}`;

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

/** The build stage's output: package.json, bin, dist, web/dist and production node_modules under /app. */
async function importBuiltStandIn(): Promise<void> {
  const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 << 20 });
  const all = [...new Set(listed.split('\n').map((p) => relative(ROOT, p)).filter((p) => p.startsWith('node_modules/')))];
  // A nested package is inside its parent's folder already (tar refuses duplicate paths).
  const modules = all.filter((p) => !all.some((q) => q !== p && p.startsWith(`${q}/`)));
  const dir = mkdtempSync(join(tmpdir(), 'worv-built-'));
  const list = join(dir, 'files');
  writeFileSync(list, ['package.json', 'bin', 'dist', 'web/dist', ...modules].join('\n') + '\n');
  try {
    // --dereference: node_modules may be a symlink.
    await podmanImport(`tar -C ${ROOT} --dereference --transform 's,^,app/,' -c -T ${list}`, BUILT);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(reason !== undefined)('container image', () => {
  let sim: Simulator;
  let url = '';

  beforeAll(async () => {
    sim = createSimulator({ model: 'sim-model' });
    const simAddr = await sim.listen(0, '127.0.0.1');
    await ensureNodeBase(BASE);
    await importBuiltStandIn();
    await podman(['build', '--format', 'docker', '--build-arg', `NODE_IMAGE=${BASE}`, '--build-arg', `BUILT=${BUILT}`, '-t', IMAGE, '-f', join(ROOT, 'Dockerfile'), ROOT], { timeoutMs: 600_000 });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    await podman(['run', '-d', '--name', NAME, '--network', 'host', '-e', `PORT=${port}`, '-e', `VLLM_BASE_URL=${simAddr.url}`, '-e', 'LOG_LEVEL=warn', IMAGE]);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`container did not answer /healthz: ${await podman(['logs', NAME]).catch(String)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 900_000);

  afterAll(async () => {
    await podman(['rm', '-f', '-t', '0', NAME]).catch(() => undefined);
    await podman(['rmi', '-f', IMAGE, BUILT]).catch(() => undefined);
    await sim?.close();
  }, 120_000);

  it('runs as node with a HEALTHCHECK on /healthz that passes', async () => {
    const [image] = JSON.parse(await podman(['image', 'inspect', IMAGE])) as { User: string; Healthcheck?: { Test: string[] } }[];
    expect(image?.User).toBe('node');
    expect(image?.Healthcheck?.Test.join(' ')).toContain('/healthz');
    expect(await podman(['exec', NAME, 'node', '-e', 'console.log(process.getuid())'])).toBe('1000\n');
    // The store's folder is the node user's alone; a reverse proxy on the host arrives from the
    // container network's gateway, a private address, which the image trusts.
    const mode = "const s = require('fs').statSync('/app/data'); console.log((s.mode & 0o777).toString(8), s.uid)";
    expect(await podman(['exec', NAME, 'node', '-e', mode])).toBe('700 1000\n');
    const [config] = JSON.parse(await podman(['image', 'inspect', IMAGE])) as { Config: { Env: string[] } }[];
    expect(config?.Config.Env).toContain('TRUST_PROXY=loopback,uniquelocal');
    await podman(['healthcheck', 'run', NAME]);
  });

  it('/v1/models: 401 without a key, 200 with a key from the image CLI', async () => {
    const anon = await fetch(`${url}/v1/models`);
    expect(anon.status).toBe(401);
    const out = await podman(['exec', NAME, 'node', 'bin/worv-proxy.js', 'keys', 'create', '--name', 'container-test']);
    const key = out.trim().split('\n').pop() ?? '';
    const res = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { id: string }[] };
    expect(body.data.map((m) => m.id)).toContain('sim-model');
  });
});
