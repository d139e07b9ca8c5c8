/**
 * The console's one way to call /api: same-origin cookies, the CSRF token on every mutating
 * call (refreshed once from /api/me when the server says it is stale), and every failure
 * turned into an `ApiError` whose message an operator can act on.
 */
import { LOGIN_LIMIT, LOGIN_WINDOW_MS } from '@contract';

/** The login limit's window, as the operator reads it. */
const LOGIN_WINDOW = LOGIN_WINDOW_MS === 60_000 ? 'minute' : `${LOGIN_WINDOW_MS / 1000} seconds`;

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const CSRF_MESSAGE = 'CSRF token missing or invalid';

/** A failed /api call: HTTP status (0 = the gateway could not be reached) and a readable message. */
export class ApiError extends Error {
  readonly status: number;
  /** The server's own message, when it sent one (`{"error": "..."}`). */
  readonly serverMessage: string | undefined;
  constructor(status: number, message: string, serverMessage?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.serverMessage = serverMessage;
  }
}

let csrfToken: string | undefined;
let onSessionLost: (() => void) | undefined;

/** Remember the token from POST /api/login or GET /api/me (undefined after logout). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when a call answers 401 outside login/me, so the app can show the sign-in page. */
export function setSessionLostHandler(handler: (() => void) | undefined): void {
  onSessionLost = handler;
}

/** The `error` string of a JSON error body, if there is one. */
export function serverMessageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const err = (body as { error?: unknown }).error;
  if (typeof err === 'string') return err;
  if (typeof err === 'object' && err !== null) {
    const msg = (err as { message?: unknown }).message;
    if (typeof msg === 'string') return msg;
  }
  return undefined;
}

/** Turn a status and the server's message into what the operator should read. */
export function describeFailure(status: number, serverMessage: string | undefined, path: string, retryAfter?: string | null): string {
  if (status === 429) {
    const wait = retryAfter !== undefined && retryAfter !== null && /^\d+$/.test(retryAfter) ? `${retryAfter} seconds` : 'a minute';
    return path.startsWith('/api/login')
      ? `Too many sign-in attempts from this address. The gateway allows ${LOGIN_LIMIT} per ${LOGIN_WINDOW}; wait ${wait} and try again.`
      : `Too many requests. Wait ${wait} and try again.`;
  }
  if (status === 401 && path.startsWith('/api/login')) return 'Wrong username or password.';
  if (status === 401) return 'Your session has ended. Sign in again.';
  if (status === 403) return 'The request was refused because the security token is stale. Reload the page and try again.';
  if (status === 413) return 'The request is too large for the gateway.';
  if (serverMessage !== undefined && serverMessage !== '') {
    return status >= 500 ? `The gateway reported an error (${status}): ${serverMessage}` : serverMessage;
  }
  if (status >= 500) return `The gateway reported an error (HTTP ${status}). Check its logs.`;
  return `Unexpected answer from the gateway (HTTP ${status}).`;
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function send(method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (MUTATING.has(method) && csrfToken !== undefined) headers['x-csrf-token'] = csrfToken;
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) init.body = JSON.stringify(body);
  if (signal !== undefined) init.signal = signal;
  try {
    return await fetch(path, init);
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'Cannot reach the gateway. Check that it is running and that this computer can reach it.');
  }
}

async function refreshCsrfToken(): Promise<boolean> {
  const res = await send('GET', '/api/me', undefined, undefined);
  if (!res.ok) return false;
  const body = await readBody(res);
  const token = typeof body === 'object' && body !== null ? (body as { csrf_token?: unknown }).csrf_token : undefined;
  if (typeof token !== 'string') return false;
  csrfToken = token;
  return true;
}

/** A response schema from src/shared/api-contract.ts (any zod schema fits). */
export interface ResponseSchema<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false };
}

/** Options of one call. */
export interface CallOptions<T> {
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** Checks the 2xx body against the contract, so drift shows as a clear error, not a blank page. */
  readonly schema?: ResponseSchema<T>;
}

/**
 * Call `method path` and return the parsed JSON body (undefined for 204/empty).
 * Throws `ApiError` with a readable message for network failures and non-2xx answers.
 */
export async function apiCall<T>(method: string, path: string, options: CallOptions<T> = {}): Promise<T> {
  let res = await send(method, path, options.body, options.signal);
  let body = await readBody(res);
  if (res.status === 403 && MUTATING.has(method) && serverMessageOf(body) === CSRF_MESSAGE && (await refreshCsrfToken())) {
    res = await send(method, path, options.body, options.signal);
    body = await readBody(res);
  }
  if (res.ok) {
    if (options.schema === undefined) return body as T;
    const parsed = options.schema.safeParse(body);
    if (parsed.success) return parsed.data;
    throw new ApiError(res.status, `The gateway's answer to ${method} ${path.split('?')[0] ?? path} did not have the expected shape. Are the console and the gateway the same version?`);
  }
  const serverMessage = serverMessageOf(body);
  const isAuthCall = path.startsWith('/api/login') || path.startsWith('/api/me');
  if (res.status === 401 && !isAuthCall) onSessionLost?.();
  throw new ApiError(res.status, describeFailure(res.status, serverMessage, path, res.headers.get('retry-after')), serverMessage);
}

/** GET `path` (query string included) and return its JSON body, checked by `schema`. */
export function apiGet<T>(path: string, schema: ResponseSchema<T>, signal?: AbortSignal): Promise<T> {
  return apiCall<T>('GET', path, signal === undefined ? { schema } : { schema, signal });
}

/** A readable message for anything thrown by a call. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
