/** Session calls: who am I, sign in, sign out. Each keeps the CSRF token in the API client. */
import { LoginResponse, LogoutResponse, MeResponse, type SessionInfo } from '@contract';
import { ApiError, apiCall, apiGet, setCsrfToken } from '../../lib/api-client';

/** The current session, or undefined when signed out (GET /api/me answers 401). */
export async function fetchSession(signal?: AbortSignal): Promise<SessionInfo | undefined> {
  try {
    const me = await apiGet('/api/me', MeResponse, signal);
    if (!me.authenticated) return undefined;
    setCsrfToken(me.csrf_token);
    return me;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setCsrfToken(undefined);
      return undefined;
    }
    throw err;
  }
}

/** Sign in; throws ApiError with a readable message (wrong password, 429 lock-out). */
export async function login(username: string, password: string): Promise<SessionInfo> {
  const session = await apiCall('POST', '/api/login', { body: { username, password }, schema: LoginResponse });
  setCsrfToken(session.csrf_token);
  return session;
}

/** Sign out (the token is forgotten even if the call fails). */
export async function logout(): Promise<void> {
  try {
    await apiCall('POST', '/api/logout', { schema: LogoutResponse });
  } finally {
    setCsrfToken(undefined);
  }
}
