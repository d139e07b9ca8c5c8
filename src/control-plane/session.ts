/**
 * Admin sessions: a random 32-byte token in a signed cookie (`HttpOnly`, `SameSite=Lax`,
 * `Secure` when the request came over HTTPS as told by a trusted `X-Forwarded-Proto`), its
 * SHA-256 as the row id in the store, a CSRF token per session, 365 days of life,
 * revocable by deleting the row. Needs @fastify/cookie registered with the session secret.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isoTime, type Clock } from '../core/clock.js';
import type { Store } from '../store/db.js';
import { deleteSession, findLiveSession, insertSession, type SessionRecord } from '../store/sessions.repo.js';

const SESSION_COOKIE = 'worv_session';
/** An operator logs in once a year per browser; logout or deleting the row ends it sooner. */
const SESSION_LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;
/** The cookie is only needed by the /api routes. */
const COOKIE_PATH = '/api';

export interface SessionManager {
  /** Open a session for `username` and set its cookie. */
  start(request: FastifyRequest, reply: FastifyReply, username: string): Promise<SessionRecord>;
  /** The live session named by the request's cookie, if any. */
  load(request: FastifyRequest): Promise<SessionRecord | undefined>;
  /** Delete the request's session (if any) and clear the cookie. */
  end(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

function sessionId(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function cookieToken(request: FastifyRequest): string | undefined {
  const raw = request.cookies[SESSION_COOKIE];
  if (raw === undefined || raw === '') return undefined;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value !== null ? unsigned.value : undefined;
}

export function createSessionManager(store: Store, clock: Clock): SessionManager {
  return {
    async start(request, reply, username) {
      const token = randomBytes(32).toString('base64url');
      const now = clock.now();
      const record: SessionRecord = {
        id: sessionId(token),
        username,
        csrfToken: randomBytes(32).toString('base64url'),
        createdAt: isoTime(now),
        expiresAt: isoTime(now + SESSION_LIFETIME_MS),
      };
      await insertSession(store.db, record);
      void reply.setCookie(SESSION_COOKIE, token, {
        signed: true,
        httpOnly: true,
        sameSite: 'lax',
        secure: request.protocol === 'https',
        path: COOKIE_PATH,
        maxAge: SESSION_LIFETIME_MS / 1000,
      });
      return record;
    },
    async load(request) {
      const token = cookieToken(request);
      if (token === undefined) return undefined;
      return findLiveSession(store.db, sessionId(token), isoTime(clock.now()));
    },
    async end(request, reply) {
      const token = cookieToken(request);
      if (token !== undefined) await deleteSession(store.db, sessionId(token));
      void reply.clearCookie(SESSION_COOKIE, {
        httpOnly: true,
        sameSite: 'lax',
        secure: request.protocol === 'https',
        path: COOKIE_PATH,
      });
    },
  };
}
