// The nginx vhosts in deploy/nginx: `nginx -t` accepts them (with a self-signed certificate
// in place of Let's Encrypt's), and, run in front of the gateway and the simulator, the API
// host relays /v1 and the health checks (unlogged) and answers everything else with its JSON
// 404, HTTP redirects with 301, the admin host keeps /v1 and /metrics out, and so does the
// single-host edge with /metrics. Skipped, with the reason printed, without nginx/openssl.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/harness.js';

const NGINX_DIR = resolve(import.meta.dirname, '../../deploy/nginx');
const HOSTS = ['api.example.com', 'admin.example.com', 'chat.example.com', 'proxy.example.com'];

function missing(): string | undefined {
  for (const bin of ['nginx', 'openssl']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} is not installed`;
  }
  return undefined;
}
const reason = missing();
if (reason !== undefined) console.warn(`[skip nginx] ${reason}`);

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

/** A prefix with a self-signed certificate per host and the given vhost files, rewritten by `edit`. */
function prefix(files: string[], edit: (text: string, dir: string) => string = (t) => t): { dir: string; conf: string } {
  const dir = mkdtempSync(join(tmpdir(), 'worv-nginx-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=example.com',
    '-keyout', join(dir, 'privkey.pem'), '-out', join(dir, 'fullchain.pem')], { stdio: 'ignore' });
  for (const host of HOSTS) {
    const live = join(dir, 'live', host);
    mkdirSync(live, { recursive: true });
    for (const f of ['privkey.pem', 'fullchain.pem']) copyFileSync(join(dir, f), join(live, f));
  }
  mkdirSync(join(dir, 'sites'));
  for (const f of files) {
    const text = readFileSync(join(NGINX_DIR, f), 'utf8').replaceAll('/etc/letsencrypt/live/', `${dir}/live/`);
    writeFileSync(join(dir, 'sites', f.replace('/', '-')), edit(text, dir));
  }
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log ${dir}/access.log;\n` +
    ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};\n`).join('') +
    `  include ${dir}/sites/*.conf;\n}\n`);
  return { dir, conf };
}

function nginxTest(conf: string, dir: string) {
  return spawnSync('nginx', ['-t', '-p', dir, '-c', conf], { encoding: 'utf8' });
}

interface Edge {
  readonly dir: string;
  get(host: string, path: string, headers?: Record<string, string>, tls?: boolean): Promise<{ status: number; headers: Record<string, unknown>; body: string }>;
  close(): Promise<void>;
}

/** nginx with `files` on free loopback ports, its upstream the gateway on `gatewayPort`, certbot's webroot in its prefix. */
async function startEdge(files: string[], gatewayPort: string): Promise<Edge> {
  const [https, http] = [await freePort(), await freePort()];
  const p = prefix(files, (t, dir) => t
    .replace(/listen (\[::\]:)?443 ssl http2;/g, (_m, v6?: string) => (v6 ? '' : `listen 127.0.0.1:${https} ssl http2;`))
    .replace(/listen (\[::\]:)?80;/g, (_m, v6?: string) => (v6 ? '' : `listen 127.0.0.1:${http};`))
    .replace(/server 127\.0\.0\.1:8080\b/, `server 127.0.0.1:${gatewayPort}`)
    .replaceAll('/var/www/certbot', `${dir}/www`));
  const nginx: ChildProcess = spawn('nginx', ['-p', p.dir, '-c', p.conf, '-g', 'daemon off;'], { stdio: 'ignore' });
  const close = async () => {
    nginx.kill('SIGTERM');
    rmSync(p.dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((res) => {
      const s = createServer();
      s.once('error', () => res(true));
      s.listen(https, '127.0.0.1', () => s.close(() => res(false)));
    });
    if (up) break;
    if (i === 100) {
      const log = readFileSync(join(p.dir, 'error.log'), 'utf8');
      await close();
      throw new Error(`nginx did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const get: Edge['get'] = (host, path, headers = {}, tls = true) =>
    new Promise((res, rej) => {
      const opts = { host: '127.0.0.1', port: tls ? https : http, path, headers: { host, ...headers }, servername: host, rejectUnauthorized: false };
      const req = (tls ? request : httpRequest)(opts, (r) => {
        let body = '';
        r.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body }));
      });
      req.on('error', rej).end();
    });
  return { dir: p.dir, get, close };
}

describe.skipIf(reason !== undefined)('deploy/nginx', () => {
  const multi = readdirSync(join(NGINX_DIR, 'hosts')).map((f) => `hosts/${f}`);

  it.each([['the API, admin and chat hosts', multi], ['the single-host edge', ['worv-proxy.conf']]])('nginx -t accepts %s', (_, files) => {
    const { dir, conf } = prefix(files);
    try {
      const r = nginxTest(conf, dir);
      expect(r.stderr).toContain('test is successful');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('in front of the gateway', () => {
    let stack: Stack;
    let edge: Edge;

    beforeAll(async () => {
      stack = await startStack();
      edge = await startEdge(multi, new URL(stack.gatewayUrl).port);
    });

    afterAll(async () => {
      await edge?.close();
      await stack?.close();
    });

    const get = (host: string, path: string, headers: Record<string, string> = {}, tls = true) => edge.get(host, path, headers, tls);

    it('API host: /v1 reaches the gateway, anything else is the JSON 404', async () => {
      const { key } = await stack.createKey();
      const ok = await get('api.example.com', '/v1/models', { authorization: `Bearer ${key}` });
      expect(ok.status).toBe(200);
      expect((JSON.parse(ok.body) as { data: unknown[] }).data.length).toBeGreaterThan(0);
      expect((await get('api.example.com', '/v1/models')).status).toBe(401);
      for (const path of ['/', '/api/status', '/metrics', '/v2/models', '/healthz/x']) {
        const r = await get('api.example.com', path);
        expect([path, r.status, r.body]).toEqual([path, 404, '{"error":"Not found. Use /v1/ endpoints."}']);
        expect(r.headers['content-type']).toBe('application/json');
      }
    });

    it('API and admin hosts: the health checks reach the gateway and stay out of the access log', async () => {
      for (const host of ['api.example.com', 'admin.example.com']) {
        for (const path of ['/healthz', '/readyz']) {
          const direct = await fetch(`${stack.gatewayUrl}${path}`);
          const viaNginx = await get(host, path);
          expect([host, path, viaNginx.status, viaNginx.body]).toEqual([host, path, direct.status, await direct.text()]);
        }
      }
      await get('api.example.com', '/v1/models');
      const log = readFileSync(join(edge.dir, 'access.log'), 'utf8');
      expect(log).toContain('GET /v1/models');
      expect(log).not.toMatch(/GET \/(healthz|readyz) /);
    });

    it('admin host: the console and /api pass, /v1 and /metrics do not', async () => {
      for (const path of ['/', '/api/keys', '/healthz']) {
        const direct = await fetch(`${stack.gatewayUrl}${path}`);
        const viaNginx = await get('admin.example.com', path);
        expect([path, viaNginx.status, viaNginx.body]).toEqual([path, direct.status, await direct.text()]);
      }
      expect((await get('admin.example.com', '/v1/models')).status).toBe(404);
      expect((await get('admin.example.com', '/metrics')).status).toBe(404);
    });

    it('plain HTTP redirects every host with 301', async () => {
      for (const host of ['api.example.com', 'admin.example.com', 'chat.example.com']) {
        const r = await get(host, '/v1/models?x=1', {}, false);
        expect(r.status).toBe(301);
        expect(r.headers.location).toBe(`https://${host}/v1/models?x=1`);
      }
    });
  });

  it.each([['API host', multi, 'api.example.com'], ['single-host edge', ['worv-proxy.conf'], 'proxy.example.com']])(
    '%s: a gateway that takes no connections is a JSON 503 with Retry-After, not an HTML page',
    async (_, files, host) => {
      const closed = await freePort();
      const edge = await startEdge(files, String(closed));
      try {
        for (const path of ['/v1/chat/completions', '/v1/messages', '/readyz']) {
          const r = await edge.get(host, path);
          expect([path, r.status, r.headers['content-type'], r.headers['retry-after'], JSON.parse(r.body)]).toEqual([
            path,
            503,
            'application/json',
            '1',
            { type: 'error', error: { type: 'api_error', message: 'Gateway unavailable: it is restarting or stopping; try again', code: 503 } },
          ]);
        }
      } finally {
        await edge.close();
      }
    },
  );

  describe('the single-host edge in front of the gateway', () => {
    let stack: Stack;
    let edge: Edge;

    beforeAll(async () => {
      stack = await startStack();
      edge = await startEdge(['worv-proxy.conf'], new URL(stack.gatewayUrl).port);
    });

    afterAll(async () => {
      await edge?.close();
      await stack?.close();
    });

    it('relays /v1, the console and the health checks, and keeps /metrics for the scraper', async () => {
      const { key } = await stack.createKey();
      expect((await edge.get('proxy.example.com', '/v1/models', { authorization: `Bearer ${key}` })).status).toBe(200);
      for (const path of ['/', '/healthz', '/readyz']) {
        const direct = await fetch(`${stack.gatewayUrl}${path}`);
        const viaNginx = await edge.get('proxy.example.com', path);
        expect([path, viaNginx.status, viaNginx.body]).toEqual([path, direct.status, await direct.text()]);
      }
      expect((await fetch(`${stack.gatewayUrl}/metrics`)).status).toBe(200);
      for (const path of ['/metrics', '/metrics/']) {
        const r = await edge.get('proxy.example.com', path);
        expect([path, r.status, r.body]).toEqual([path, 404, '{"error":"Not found."}']);
      }
    });

    it('plain HTTP answers certbot\'s webroot challenges and redirects everything else with 301', async () => {
      // nginx's workers may run as another user (nobody, when started as root): the webroot must be readable to them.
      chmodSync(edge.dir, 0o711);
      mkdirSync(join(edge.dir, 'www', '.well-known', 'acme-challenge'), { recursive: true, mode: 0o755 });
      writeFileSync(join(edge.dir, 'www', '.well-known', 'acme-challenge', 'token-1'), 'token-1.thumbprint', { mode: 0o644 });
      const challenge = await edge.get('proxy.example.com', '/.well-known/acme-challenge/token-1', {}, false);
      expect([challenge.status, challenge.body]).toEqual([200, 'token-1.thumbprint']);
      const r = await edge.get('proxy.example.com', '/v1/models?x=1', {}, false);
      expect([r.status, r.headers.location]).toEqual([301, 'https://proxy.example.com/v1/models?x=1']);
    });
  });
});
