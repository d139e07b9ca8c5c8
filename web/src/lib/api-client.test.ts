import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchRelativeTo, startLocalServer, type LocalServer } from '../testing/local-server';
import { ApiError, apiCall, apiGet, describeFailure, setCsrfToken, setSessionLostHandler } from './api-client';

interface Seen {
  method: string;
  url: string;
  csrf: string | undefined;
  body: string;
}

const seen: Seen[] = [];
let currentToken = 'token-2';
let server: LocalServer;
let restore: () => void;

const anySchema = { safeParse: (d: unknown) => ({ success: true as const, data: d }) };

beforeAll(async () => {
  server = await startLocalServer((req, res, body) => {
    const csrf = req.headers['x-csrf-token'];
    seen.push({ method: req.method ?? '', url: req.url ?? '', csrf: typeof csrf === 'string' ? csrf : undefined, body });
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    switch (req.url) {
      case '/api/me':
        return json(200, { authenticated: true, username: 'admin', csrf_token: currentToken });
      case '/api/keys':
        if (req.method === 'GET') return json(200, { keys: [] });
        if (csrf !== currentToken) return json(403, { error: 'CSRF token missing or invalid' });
        return json(400, { error: 'name must not be empty' });
      case '/api/login':
        return json(429, { error: 'Too many login attempts. Try again in a minute.' }, { 'retry-after': '42' });
      case '/api/usage':
        return json(401, { error: 'Authentication required' });
      case '/api/boom':
        res.writeHead(502, { 'content-type': 'text/html' });
        return res.end('<html>bad gateway</html>');
      case '/api/shape':
        return json(200, { unexpected: true });
      default:
        return json(404, { error: 'Not found. Use /v1/ endpoints.' });
    }
  });
  restore = fetchRelativeTo(server.url);
});

afterAll(async () => {
  restore();
  await server.close();
});

beforeEach(() => {
  seen.length = 0;
  setCsrfToken(undefined);
  setSessionLostHandler(undefined);
});

describe('api client', () => {
  it('sends the CSRF token on mutating calls and never on reads', async () => {
    currentToken = 'token-1';
    setCsrfToken('token-1');
    await apiGet('/api/keys', anySchema);
    await expect(apiCall('POST', '/api/keys', { body: { name: '' } })).rejects.toThrow('name must not be empty');
    expect(seen.map((s) => [s.method, s.csrf])).toEqual([
      ['GET', undefined],
      ['POST', 'token-1'],
    ]);
    expect(JSON.parse(seen[1]!.body)).toEqual({ name: '' });
  });

  it('refreshes a stale CSRF token from /api/me once and retries', async () => {
    currentToken = 'token-2';
    setCsrfToken('stale');
    const err = await apiCall('POST', '/api/keys', { body: { name: '' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect(seen.map((s) => `${s.method} ${s.url} ${s.csrf ?? '-'}`)).toEqual(['POST /api/keys stale', 'GET /api/me -', 'POST /api/keys token-2']);
  });

  it('explains the login lock-out (429) with the Retry-After wait', async () => {
    const err = (await apiCall('POST', '/api/login', { body: { username: 'a', password: 'b' } }).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(429);
    expect(err.message).toBe('Too many sign-in attempts from this address. The gateway allows 10 per minute; wait 42 seconds and try again.');
  });

  it('reports a lost session once, for calls other than login and me', async () => {
    let lost = 0;
    setSessionLostHandler(() => lost++);
    const err = (await apiGet('/api/usage', anySchema).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(401);
    expect(err.message).toBe('Your session has ended. Sign in again.');
    expect(lost).toBe(1);
  });

  it('turns a non-JSON 5xx and an unreachable gateway into readable messages', async () => {
    const bad = (await apiGet('/api/boom', anySchema).catch((e: unknown) => e)) as ApiError;
    expect(bad.status).toBe(502);
    expect(bad.message).toBe('The gateway reported an error (HTTP 502). Check its logs.');
    const down = (await apiGet('http://127.0.0.1:9/api/me', anySchema).catch((e: unknown) => e)) as ApiError;
    expect(down.status).toBe(0);
    expect(down.message).toMatch(/^Cannot reach the gateway/);
  });

  it('rejects an answer that does not match the contract', async () => {
    const schema = { safeParse: (d: unknown) => (typeof d === 'object' && d !== null && 'keys' in d ? { success: true as const, data: d } : { success: false as const }) };
    await expect(apiGet('/api/shape', schema)).rejects.toThrow("The gateway's answer to GET /api/shape did not have the expected shape");
  });
});

describe('describeFailure', () => {
  it('prefers the server message for client errors and labels server errors', () => {
    expect(describeFailure(409, 'Key already exists', '/api/keys')).toBe('Key already exists');
    expect(describeFailure(404, 'Key not found', '/api/keys/x')).toBe('Key not found');
    expect(describeFailure(503, 'Backend unavailable', '/api/status')).toBe('The gateway reported an error (503): Backend unavailable');
    expect(describeFailure(401, 'Invalid credentials', '/api/login')).toBe('Wrong username or password.');
    expect(describeFailure(429, undefined, '/api/login', null)).toContain('wait a minute');
  });
});
