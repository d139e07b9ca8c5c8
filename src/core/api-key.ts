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

/** The part of a key that is safe to display. */
export function displayPrefix(key: string): string {
  return key.slice(0, DISPLAY_PREFIX_LENGTH);
}

/** A short random identifier for rows (keys, sessions). */
export function newId(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}
