/**
 * CORS on /v1, for clients in a browser: the OpenAI SDK with `dangerouslyAllowBrowser`, the
 * Anthropic SDK with `anthropic-dangerous-direct-browser-access`, a team's own web app. /v1
 * authenticates by an API key in a header, never by a cookie, so letting another origin read
 * the answers gives a page nothing its key does not already grant; vLLM's own server allows
 * every origin by default, and so does the gateway unless PROXY_CORS_ORIGINS names some or says
 * `off`. The backend's own CORS headers are not relayed (upstream/headers.ts): this decides.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Preflight answers are cached by the browser this long (seconds). */
const MAX_AGE = '86400';
const METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

/**
 * Returns the hook for /v1 requests: it answers a preflight itself (true: nothing more to do)
 * and adds the CORS headers an allowed origin's request needs to be read (false: go on).
 * Undefined when CORS is off (a preflight then goes the way of any request: 401 without a key).
 */
export function v1Cors(origins: '*' | readonly string[] | 'off'): ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined {
  if (origins === 'off') return undefined;
  const any = origins === '*';
  const listed = new Set(any ? [] : origins);
  return (req, res) => {
    const origin = req.headers.origin;
    // With a list the answer depends on Origin, also for a request without one: caches must know.
    if (!any) res.setHeader('vary', 'Origin');
    if (origin === undefined) return false;
    const allowed = any || listed.has(origin);
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (!allowed) {
      if (!preflight) return false;
      // Answered without CORS headers: the browser refuses the request, and nothing is forwarded.
      res.writeHead(204);
      res.end();
      return true;
    }
    const allowOrigin = any ? '*' : origin;
    if (preflight) {
      const asked = req.headers['access-control-request-headers'];
      res.writeHead(204, {
        'access-control-allow-origin': allowOrigin,
        'access-control-allow-methods': METHODS,
        ...(asked !== undefined ? { 'access-control-allow-headers': asked } : {}),
        'access-control-max-age': MAX_AGE,
        vary: any ? 'Access-Control-Request-Headers' : 'Origin, Access-Control-Request-Headers',
      });
      res.end();
      return true;
    }
    res.setHeader('access-control-allow-origin', allowOrigin);
    // Request ids, Retry-After, the rate-limit headers: what an SDK reads from an answer.
    res.setHeader('access-control-expose-headers', '*');
    return false;
  };
}
