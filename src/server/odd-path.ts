/**
 * Paths outside /v1 and /api that no route, console page or file may answer: the gateway's own
 * 404 goes out before Fastify's router and the static file server see them, so traversal
 * attempts get one answer in one shape (not the file server's 403 or the router's 400).
 */
import type { ServerResponse } from 'node:http';
import { MSG } from '../core/messages.js';

const NOT_FOUND_BODY = JSON.stringify({ error: MSG.notFoundUseV1 });

/** `/api` and below: the control plane answers its own odd paths (JSON 404 or 400). */
export function isApiPath(url: string | undefined): boolean {
  return url !== undefined && (url === '/api' || url.startsWith('/api/') || url.startsWith('/api?'));
}

/**
 * True for a request target that is not a plain path: not starting with `/` (`*`, absolute
 * form), an empty segment (`//`), a backslash, a `.` or `..` segment, or a segment whose
 * percent-escapes are malformed or decode to a slash, backslash, NUL, `.` or `..`.
 */
export function isOddPath(url: string): boolean {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (!path.startsWith('/') || path.includes('//') || path.includes('\\')) return true;
  for (const raw of path.slice(1).split('/')) {
    let seg = raw;
    if (raw.includes('%')) {
      try {
        seg = decodeURIComponent(raw);
      } catch {
        return true;
      }
      if (seg.includes('/') || seg.includes('\\') || seg.includes('\0')) return true;
    }
    if (seg === '.' || seg === '..') return true;
  }
  return false;
}

/** Writes the gateway's JSON 404 (no body for HEAD, which node:http drops by itself). */
export function sendNotFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(NOT_FOUND_BODY) });
  res.end(NOT_FOUND_BODY);
}
