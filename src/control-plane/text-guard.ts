/**
 * Refuses text the store cannot keep as sent, anywhere in an /api request's query, path
 * parameters or JSON body, with 400: U+0000 (Postgres `text` cannot hold it and fails the
 * statement, which answered 500 on Postgres while SQLite took it), and a lone surrogate (a
 * `\ud800` escape without its pair, which both stores would silently turn into U+FFFD).
 */
import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../core/errors.js';

export const NUL_MESSAGE = 'text must not contain the NUL character (U+0000)';
export const SURROGATE_MESSAGE = 'text must not contain a lone surrogate (an unpaired \\ud800-\\udfff escape)';

/** With the `u` flag a surrogate range matches only unpaired halves (a pair is one code point). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function refusal(s: string): string | undefined {
  if (s.includes('\u0000')) return NUL_MESSAGE;
  return LONE_SURROGATE.test(s) ? SURROGATE_MESSAGE : undefined;
}

/** Why a string anywhere in `value` (objects and arrays walked without recursion) cannot be stored, or undefined. */
export function unstorableText(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      const r = refusal(v);
      if (r !== undefined) return r;
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, item] of Object.entries(v)) {
        const r = refusal(k);
        if (r !== undefined) return r;
        stack.push(item);
      }
    }
  }
  return undefined;
}

/** preValidation hook: runs once the body is parsed, before any route reads the store. */
export async function textGuard(request: FastifyRequest): Promise<void> {
  const why = unstorableText(request.query) ?? unstorableText(request.params) ?? unstorableText(request.body);
  if (why !== undefined) throw new GatewayError('invalid_request', why);
}
