/**
 * CSRF protection for cookie-authenticated /api requests: every mutating method must carry
 * `X-CSRF-Token` equal to the session's token (handed out by /api/login and /api/me).
 * Compared in constant time; a missing or wrong token is 403.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../core/errors.js';
import { MSG } from '../core/messages.js';
import { CSRF_HEADER } from '../shared/api-contract.js';
import type { SessionRecord } from '../store/sessions.repo.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** True for methods that change state and therefore need the CSRF token. */
export function isMutating(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

// Hashing both sides gives equal lengths, which timingSafeEqual requires.
const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Throws 403 unless the request's `X-CSRF-Token` matches the session's. */
export function assertCsrf(request: FastifyRequest, session: SessionRecord): void {
  const header = request.headers[CSRF_HEADER];
  const given = Array.isArray(header) ? undefined : header;
  if (given === undefined || given === '' || !timingSafeEqual(digest(given), digest(session.csrfToken))) {
    throw new GatewayError('forbidden', MSG.csrfInvalid);
  }
}
