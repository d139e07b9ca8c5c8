/**
 * Who is calling: `Authorization: Bearer KEY` or `x-api-key: KEY`, looked up
 * by SHA-256 through the KeyLookup port (a cache of at most one second over the store, bound
 * in server/). Missing → 401 naming the two headers; unknown → 401 `Unauthorized`. A deactivated
 * key comes back marked `inactive`: the pipeline logs the attempt under it, then refuses it with
 * the same 401 (a caller learns nothing about keys it does not hold).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { hashApiKey, presentedApiKey } from '../core/api-key.js';
import { GatewayError } from '../core/errors.js';
import { MSG } from '../core/messages.js';
import type { KeyLookup, KeyPrincipal } from './context.js';

/** The presented key: the Bearer token if there is one, else `x-api-key` (core/api-key.ts). */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  return presentedApiKey(headers.authorization, headers['x-api-key']);
}

/** The key behind the request (active, or marked inactive); throws 401 for a missing or unknown key. */
export async function authenticate(headers: IncomingHttpHeaders, keys: KeyLookup): Promise<KeyPrincipal> {
  const key = presentedKey(headers);
  if (key === undefined) throw new GatewayError('unauthorized', MSG.missingApiKey);
  const principal = await keys.findByHash(hashApiKey(key));
  if (principal === undefined) throw new GatewayError('unauthorized', MSG.unauthorized);
  return principal;
}
