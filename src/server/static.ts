/**
 * Serves the built admin console (web/dist, docs/console.md) at `/`: hashed assets cached for a year,
 * index.html never cached, for `/` (GET/HEAD, any Accept) and for any other page navigation
 * (GET/HEAD accepting text/html outside /api, /v1 and /metrics) so deep links work. Anything
 * else stays a 404.
 */
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build` puts the console: web/dist at the package root (from src/ or dist/). */
const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** What the server answers for console pages; `servePage` is called by the not-found handler. */
export interface ConsoleAssets {
  readonly dir: string;
  /** False when the directory has no index.html (the console was not built). */
  readonly built: boolean;
  /** Answer a request no route matched with the console page, when it is a page navigation. */
  servePage(req: FastifyRequest, reply: FastifyReply): boolean;
}

// The console loads only its own scripts and styles and talks only to its own origin.
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-cache',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

const NOT_BUILT_PAGE =
  '<!doctype html><html lang="en"><meta charset="utf-8"><title>worv-proxy</title>' +
  '<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5">' +
  '<h1>The admin console has not been built</h1>' +
  '<p>The gateway is running, but it found no console files. Build them with <code>npm run build</code> ' +
  '(also run by <code>npm install</code>), or point <code>CONSOLE_DIR</code> at a built console, then restart.</p>' +
  '<p>The API under <code>/v1</code> and <code>/api</code> works without it.</p></body></html>';

function startsWithSegment(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * Whether a request that matched no route is a browser navigation to a console page: GET or
 * HEAD, asks for HTML, and is not under an API namespace or the asset folder.
 */
export function isConsolePageRequest(method: string, url: string, accept: string | undefined): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (accept === undefined || !accept.toLowerCase().includes('text/html')) return false;
  const path = url.split('?')[0] ?? url;
  return !['/api', '/v1', '/metrics', '/assets'].some((p) => startsWithSegment(path, p));
}

/** Register the console's files on `app`; the returned `servePage` belongs in the not-found handler. */
export async function registerConsole(app: FastifyInstance, dir: string = DEFAULT_CONSOLE_DIR): Promise<ConsoleAssets> {
  const built = existsSync(join(dir, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      // Files are looked up per request, so a rebuild while the gateway runs is served at
      // once; a missing file goes on to the not-found handler (page fallback or JSON 404).
      wildcard: true,
      index: false,
      // Directories (`/`, `/assets/`) are not files: let the not-found handler decide.
      allowedPath: (pathName) => !pathName.endsWith('/'),
      cacheControl: false,
      setHeaders(res, filePath) {
        if (filePath.includes(`${sep}assets${sep}`)) {
          res.setHeader('cache-control', 'public, max-age=31536000, immutable');
        } else if (filePath.endsWith('.html')) {
          for (const [name, value] of Object.entries(PAGE_HEADERS)) res.setHeader(name, value);
        } else {
          res.setHeader('cache-control', 'no-cache');
        }
      },
    });
  }
  return {
    dir,
    built,
    servePage(req, reply) {
      // `/` itself is the console whatever the client accepts: the start-up banner prints that
      // address, and `curl` of it should not read "use /v1". Deep links need a page navigation.
      const root = built && (req.method === 'GET' || req.method === 'HEAD') && (req.url.split('?')[0] ?? req.url) === '/';
      if (!root && !isConsolePageRequest(req.method, req.url, req.headers.accept)) return false;
      if (!built) {
        void reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT_PAGE);
        return true;
      }
      void reply.code(200).headers(PAGE_HEADERS).sendFile('index.html');
      return true;
    },
  };
}
