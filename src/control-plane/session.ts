/**
 * Admin sessions: a random 32-byte token in a signed cookie (`HttpOnly`, `SameSite=Lax`,
 * `Secure` when the request came over HTTPS as told by a trusted `X-Forwarded-Proto`), its
 * SHA-256 as the row id in the store, a CSRF token per session, 365 days of life,
 * revocable by deleting the row. Needs @fastify/cookie registered with the session secret.
 *
 * While the store cannot answer, a session it confirmed within `staleMs` still counts, as keys
 * do on /v1, but only on the routes that need nothing from the store (the Status page and the
 * console's own `GET /api/me`): they show the outage and the usage spool instead of failing
 * with it. Every other route answers 503 for a session served from memory. A session this
 * process signed out is never served from memory again; one signed out by another process
 * during the window still is, for those routes only.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isoTime, type Clock } from '../core/clock.js';
import type { Store } from '../store/db.js';
import { deleteSession, findLiveSession, insertSession, type SessionRecord } from '../store/sessions.repo.js';
import { isStoreUnavailable } from '../store/unavailable.js';

const SESSION_COOKIE = 'worv_session';
/** An operator logs in once a year per browser; logout or deleting the row ends it sooner. */
const SESSION_LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;
/** The cookie is only needed by the /api routes. */
const COOKIE_PATH = '/api';
/** Sessions remembered for the store's outages (an admin console has few users; the oldest go first). */
const MAX_CONFIRMED = 1000;

/** Sessions `load` answered from memory (the store was away): routes must opt in to them. */
const fromMemory = new WeakSet<SessionRecord>();

/** Whether `session` was answered from memory while the store could not answer. */
export function isFromMemory(session: SessionRecord): boolean {
  return fromMemory.has(session);
}

/** Bounded: the oldest entry goes first. */
function capped<K>(set: Set<K> | Map<K, unknown>): void {
  if (set.size > MAX_CONFIRMED) set.delete(set.keys().next().value as K);
}

export interface SessionManager {
  /** Open a session for `username` and set its cookie. */
  start(request: FastifyRequest, reply: FastifyReply, username: string): Promise<SessionRecord>;
  /** The live session named by the request's cookie, if any. */
  load(request: FastifyRequest): Promise<SessionRecord | undefined>;
  /** Delete the request's session (if any) and clear the cookie. */
  end(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Delete session `id` (a browser signing in again ends the session it held). */
  revoke(id: string): Promise<void>;
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

export function createSessionManager(store: Store, clock: Clock, staleMs: number): SessionManager {
  const confirmed = new Map<string, { readonly record: SessionRecord; readonly at: number }>();
  // Signed out here: never remembered again, even by a read that started before the delete.
  const revoked = new Set<string>();
  const remember = (id: string, record: SessionRecord | undefined, at: number): void => {
    confirmed.delete(id); // re-inserted last: the map stays in order of confirmation
    if (record === undefined || revoked.has(id)) return;
    confirmed.set(id, { record, at });
    capped(confirmed);
  };
  const revoke = async (id: string): Promise<void> => {
    confirmed.delete(id);
    revoked.add(id);
    capped(revoked);
    await deleteSession(store.db, id);
  };
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
      remember(record.id, record, now);
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
      const id = sessionId(token);
      const now = clock.now();
      try {
        const record = await findLiveSession(store.db, id, isoTime(now));
        remember(id, record, now);
        return record;
      } catch (err) {
        const known = confirmed.get(id);
        if (!isStoreUnavailable(err) || known === undefined || staleMs <= 0 || now - known.at > staleMs || Date.parse(known.record.expiresAt) <= now) throw err;
        const session = { ...known.record };
        fromMemory.add(session);
        return session;
      }
    },
    async end(request, reply) {
      const token = cookieToken(request);
      if (token !== undefined) await revoke(sessionId(token));
      void reply.clearCookie(SESSION_COOKIE, {
        httpOnly: true,
        sameSite: 'lax',
        secure: request.protocol === 'https',
        path: COOKIE_PATH,
      });
    },
    revoke,
  };
}
