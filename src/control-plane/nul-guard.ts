/**
 * Refuses text holding U+0000 anywhere in an /api request's query, path parameters or JSON
 * body with 400. Postgres `text` cannot hold that character and fails the statement, so
 * without this check a login, a key's name or a filter carrying one answered 500 on Postgres
 * (and worked on SQLite).
 */
import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../core/errors.js';

export const NUL_MESSAGE = 'text must not contain the NUL character (U+0000)';

/** True when a string anywhere in `value` (objects and arrays walked without recursion) holds U+0000. */
export function holdsNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return true;
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, item] of Object.entries(v)) {
        if (k.includes('\u0000')) return true;
        stack.push(item);
      }
    }
  }
  return false;
}

/** preValidation hook: runs once the body is parsed, before any route reads the store. */
export async function nulGuard(request: FastifyRequest): Promise<void> {
  if (holdsNul(request.query) || holdsNul(request.params) || holdsNul(request.body)) {
    throw new GatewayError('invalid_request', NUL_MESSAGE);
  }
}
