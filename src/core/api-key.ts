/**
 * API key material: generation (32 random bytes behind a recognisable `wp-` prefix),
 * the SHA-256 hash the store keeps, and the short prefix shown in listings.
 */
import { hash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'wp-';
/** Characters of the key shown in listings (`wp-` + 8). */
const DISPLAY_PREFIX_LENGTH = 11;

/** A new random key: `wp-` + 43 base64url characters (256 bits of entropy). */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * SHA-256 hex digest: what the store keeps and what lookups compare. Every /v1 request hashes
 * its key; the one-shot `hash` costs a third of a `createHash` object.
 */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** The part of a key that is safe to display: at most 11 characters, never more than a third of the key. */
export function displayPrefix(key: string): string {
  return key.slice(0, Math.min(DISPLAY_PREFIX_LENGTH, Math.floor(key.length / 3)));
}

/** A short random identifier for rows (keys, sessions). */
export function newId(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}

/** Index just past `Bearer` (any case) and its one or more spaces or tabs, or -1. */
function bearerTokenStart(auth: string): number {
  if (auth.length < 8 || auth.slice(0, 6).toLowerCase() !== 'bearer') return -1;
  let i = 6;
  while (auth.charCodeAt(i) === 0x20 || auth.charCodeAt(i) === 0x09) i++;
  return i === 6 ? -1 : i;
}

/**
 * The API key a request presents, one rule for /v1 and /api: the token of `Authorization:
 * Bearer KEY` (the scheme in any case, then one or more spaces or tabs), else `x-api-key`;
 * trimmed; undefined when neither holds a non-empty key.
 */
export function presentedApiKey(authorization: string | undefined, xApiKey: string | string[] | undefined): string | undefined {
  if (authorization !== undefined) {
    const start = bearerTokenStart(authorization);
    if (start !== -1) {
      const token = authorization.slice(start).trim();
      if (token !== '') return token;
    }
  }
  const x = Array.isArray(xApiKey) ? xApiKey[0] : xApiKey;
  const v = x?.trim();
  return v === undefined || v === '' ? undefined : v;
}
