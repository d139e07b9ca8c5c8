/**
 * Backend URLs changed at run time (docs/fleet.md, "Backends changed at run time"): the check
 * of a URL given to the API or the CLI, and how the environment's list and the stored changes
 * combine. A backend is an origin: the gateway's paths (/v1/…, /metrics) go below it.
 */

/** A stored change: `added` extends the boot list, `removed` takes a backend out of it. */
export interface BackendChange {
  readonly url: string;
  readonly state: 'added' | 'removed';
}

/** Longest backend URL taken. */
export const BACKEND_URL_MAX = 2048;

export type BackendUrlCheck = { readonly ok: true; readonly url: string } | { readonly ok: false; readonly message: string };

export const BACKEND_URL_MESSAGES = {
  required: 'url is required',
  notString: 'url must be a string',
  tooLong: `url must be at most ${BACKEND_URL_MAX} characters`,
  notUrl: 'url must be an absolute http:// or https:// URL, e.g. http://10.0.0.5:8000',
  protocol: 'url must use http or https',
  credentials: 'url must not contain a user name or password',
  notOrigin: 'url must be a bare origin (scheme, host and optional port), without a path, query or fragment',
  portZero: 'url must not use port 0 (nothing can be reached there)',
  portRange: 'url must use a port from 1 to 65535',
} as const;

/** An explicit port after the host (a bracketed IPv6 address or a name): the URL parser only says "invalid". */
const PORT_AFTER_HOST = /^[a-z][a-z0-9+.-]*:\/\/(?:\[[^\]]*\]|[^/?#@:[\]]*):(\d+)(?:[/?#]|$)/i;

/** `raw` as a backend origin (lower-case scheme and host, default port dropped), or why not. */
export function checkBackendUrl(raw: unknown): BackendUrlCheck {
  const M = BACKEND_URL_MESSAGES;
  if (raw === undefined || raw === null) return { ok: false, message: M.required };
  if (typeof raw !== 'string') return { ok: false, message: M.notString };
  const text = raw.trim();
  if (text === '') return { ok: false, message: M.required };
  if (text.length > BACKEND_URL_MAX) return { ok: false, message: M.tooLong };
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    const port = PORT_AFTER_HOST.exec(text)?.[1];
    return { ok: false, message: port !== undefined && Number(port) > 65_535 ? M.portRange : M.notUrl };
  }
  // `gpu5:8000` parses as the scheme `gpu5:`: what is missing is `http://`, not another scheme.
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { ok: false, message: text.includes('://') ? M.protocol : M.notUrl };
  if (u.username !== '' || u.password !== '') return { ok: false, message: M.credentials };
  if ((u.pathname !== '/' && u.pathname !== '') || u.search !== '' || u.hash !== '' || /[?#]/.test(text)) return { ok: false, message: M.notOrigin };
  if (u.port === '0') return { ok: false, message: M.portZero };
  return { ok: true, url: u.origin };
}

/** The comparable form of a backend URL (stored ones from older builds may carry a path). */
export function backendKey(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname === '/' || u.pathname === '' ? u.origin : `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return url;
  }
}

/** Where a backend comes from: `env` when VLLM_BASE_URL lists it (in any spelling), else `added`. */
export function backendSource(env: readonly string[]): (url: string) => 'env' | 'added' {
  const keys = new Set(env.map(backendKey));
  return (url) => (keys.has(backendKey(url)) ? 'env' : 'added');
}

/**
 * The backends in use: the environment's, in order, less those removed at run time, then those
 * added at run time in the order given (oldest first). An added URL already in the environment
 * is not listed twice.
 */
export function effectiveBackends(env: readonly string[], changes: readonly BackendChange[]): string[] {
  const removed = new Set(changes.filter((c) => c.state === 'removed').map((c) => backendKey(c.url)));
  const out: string[] = [];
  const seen = new Set<string>();
  const push = (url: string): void => {
    const k = backendKey(url);
    if (seen.has(k) || removed.has(k)) return;
    seen.add(k);
    out.push(url);
  };
  for (const url of env) push(url);
  for (const c of changes) if (c.state === 'added') push(c.url);
  return out;
}

/** The answers to a change the current list refuses. */
export const backendRefusal = {
  exists: (url: string): string => `Backend already in use: ${url}`,
  unknown: (url: string): string => `Backend not found: ${url}`,
  last: 'The last backend cannot be removed',
} as const;
