/**
 * POST /api/login, POST /api/logout, GET /api/me (docs/admin-api.md). Login checks the password in
 * constant time (and spends the same work for unknown users), then opens a store-backed
 * session; logout deletes it; /me reports it with the CSRF token the console must send.
 */
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../core/errors.js';
import { MSG } from '../core/messages.js';
import { verifyAgainstDummy, verifyPassword } from '../core/password.js';
import { LoginRequest, type Anonymous, type SessionInfo } from '../shared/api-contract.js';
import { getAdminUser } from '../store/admin-users.repo.js';
import type { SessionRecord } from '../store/sessions.repo.js';
import type { RouteDeps } from './deps.js';
import { parseOr400 } from './parse.js';

const info = (s: SessionRecord): SessionInfo => ({ authenticated: true, username: s.username, csrf_token: s.csrfToken });
const anonymous: Anonymous = { authenticated: false };

export function authRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.post('/login', { config: { access: 'login' } }, async (request, reply): Promise<SessionInfo> => {
    const { username, password } = parseOr400(LoginRequest, request.body);
    const user = await getAdminUser(deps.store.db, username);
    const ok = user === undefined ? await verifyAgainstDummy(password) : await verifyPassword(password, user.passwordHash);
    if (!ok || user === undefined) throw new GatewayError('unauthorized', MSG.invalidCredentials);
    // A fresh token on every login; a session the browser already held is ended.
    if (request.adminSession !== undefined) await deps.sessions.revoke(request.adminSession.id);
    return info(await deps.sessions.start(request, reply, user.username));
  });

  // During an outage too: the session is then forgotten here, though the store keeps its row.
  app.post('/logout', { config: { duringStoreOutage: true } }, async (request, reply): Promise<Anonymous> => {
    await deps.sessions.end(request, reply);
    return anonymous;
  });

  app.get('/me', { config: { access: 'public', duringStoreOutage: true } }, async (request, reply): Promise<SessionInfo | Anonymous> => {
    if (request.adminSession === undefined) return reply.code(401).send(anonymous);
    return info(request.adminSession);
  });
}
